-- The demo tenant's flow (scripts/demo/flow.lua) on simulated calls: which key plays
-- which prompt, in which language, and that every call ends by the flow.
local cw = require("callwarden")
local src = os.getenv("CW_SOURCE_DIR") or "."

describe("the demo flow", function()
    local demo = assert(cw.tenant(src .. "/scripts/demo"))

    it("greets in English for 1", function()
        local r = demo:call{ keys = { "1" } }
        assert.is_nil(r.error)
        assert.same({ "en/welcome", "en/press1" }, r.prompts)
        assert.equal("flow-done", r.ended)
        assert.same({ 'demo key="1" plays=en/press1' }, r.logs)
    end)

    it("greets in German for 2", function()
        local r = demo:call{ keys = { "2" } }
        assert.same({ "en/welcome", "de/press2" }, r.prompts)
        assert.equal("de", r.events[#r.events - 1].language)
    end)

    it("says goodbye for any other key, and when no key comes", function()
        assert.same({ "en/welcome", "en/goodbye" }, demo:call{ keys = { "7" } }.prompts)
        local r = demo:call{}
        assert.same({ "en/welcome", "en/goodbye" }, r.prompts)
        assert.equal("", r.events[2].pressed)
    end)

    it("answers before it plays anything", function()
        local r = demo:call{ keys = { "1" } }
        assert.equal("answer", r.events[1].op)
        assert.equal("gather", r.events[2].op)
        assert.equal("welcome", r.events[2].prompt)
    end)

    it("ends quietly when the caller hangs up during the welcome", function()
        local r = demo:call{ hangup_at = 1000 }
        assert.equal("remote-bye", r.ended)
        assert.is_nil(r.error)
        assert.is_false(r.fallback)
        assert.same({ "en/welcome" }, r.prompts)
    end)

    it("has a version: the SHA-256 of its files", function()
        assert.matches("^%x+$", demo.version)
        assert.equal(64, #demo.version)
    end)
end)
