-- The call API from a flow's side, on simulated calls through the real sandbox:
-- arguments, fields, hooks, errors and the fallback, and what no flow may do.
local cw = require("callwarden")

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp))
local count = 0

-- a tenant whose flow.lua is src (and modules, name -> source)
local function tenant(src, modules, opts)
    count = count + 1
    local dir = tmp .. "/t" .. count
    assert(os.execute("mkdir -p " .. dir))
    local function write(name, text)
        local f = assert(io.open(dir .. "/" .. name, "w"))
        f:write(text)
        f:close()
    end
    write("flow.lua", src)
    for name, text in pairs(modules or {}) do write(name, text) end
    return cw.tenant(dir, opts)
end

local function run(src, call_opts, modules)
    local t = assert(tenant(src, modules))
    return t:call(call_opts or {})
end

teardown(function() os.execute("rm -rf " .. tmp) end)

describe("the call object", function()
    it("has the call's fields", function()
        local r = run([[call:log(call.caller, call.callee, call.call_id, call.tenant,
                                 call.language, tostring(call.ended))]],
                      { caller = "+491701234", callee = "4930999", call_id = "abc@host" })
        assert.matches("^%+491701234 4930999 abc@host t%d+ en false$", r.logs[1])
    end)

    it("lets the flow set the language, and checks it", function()
        local r = run([[call.language = "de" call:play("hallo")
                        local ok, e = pcall(function() call.language = "not a tag!" end)
                        call:log(e)]])
        assert.same({ "de/hallo" }, r.prompts)
        assert.matches("language tag", r.logs[1])
    end)

    it("refuses unknown and read-only fields", function()
        local r = run([[local _, a = pcall(function() return call.nope end)
                        local _, b = pcall(function() call.caller = "x" end)
                        call:log(a) call:log(b)]])
        assert.matches("call has no field 'nope'", r.logs[1])
        assert.matches("call.caller cannot be set", r.logs[2])
    end)

    it("is protected: its metatable cannot be reached or replaced", function()
        local r = run([[call:log(tostring(getmetatable(call)))
                        call:log(tostring(pcall(setmetatable, call, {})))]])
        assert.same({ "call", "false" }, r.logs)
    end)

    it("plays prompts by id and by file, and refuses paths out of the tenant", function()
        local r = run([[call:play("hello") call:play("prompts/x.wav")
                        local ok, e = pcall(call.play, call, "../../etc/passwd")
                        call:log(e)]])
        assert.same({ "en/hello", "prompts/x.wav" }, r.prompts)
        assert.matches("inside the tenant's directory", r.logs[1])
    end)
end)

describe("gather", function()
    it("returns the keys up to max, without the terminator", function()
        local r = run([[call:log(call:gather{ max = 4 }) call:log(call:gather{ max = 2 })
                        call:log(call:gather{ max = 5, terminators = "*" })]],
                      { keys = { "12#", "345", "9*1" } })
        assert.same({ "12", "34", "9" }, r.logs)
    end)

    it("returns an empty string when no key comes, after the prompt and timeout", function()
        local r = run([[local k = call:gather{ timeout = 3000 } call:log("[" .. k .. "]")]])
        assert.same({ "[]" }, r.logs)
        assert.equal(3000, r.duration_ms)
    end)

    it("checks its arguments", function()
        local r = run([[for _, a in ipairs{ { max = 0 }, { max = 99 }, { timeout = -1 },
                                             { terminators = "x" }, { max = 1.5 } } do
                          local ok, e = pcall(call.gather, call, a) call:log(e)
                        end]])
        assert.equal(5, #r.logs)
        for _, l in ipairs(r.logs) do assert.matches("call:gather%(%)", l) end
    end)
end)

describe("hooks", function()
    it("on_dtmf sees every key the caller presses", function()
        local r = run([[local seen = {}
                        call.on_dtmf = function(c, key) seen[#seen + 1] = key end
                        call:gather{ max = 3 }
                        call:log(table.concat(seen, ","))]], { keys = { "123" } })
        assert.same({ "1,2,3" }, r.logs)
    end)

    it("on_hangup runs with the cause; an error in it is only logged", function()
        local r = run([[call.on_hangup = function(c, cause) c:log("bye " .. cause) error("x") end
                        call:sleep(60000)]], { hangup_at = 500 })
        assert.same({ "bye remote-bye" }, r.logs)
        assert.equal("remote-bye", r.ended)
        assert.is_nil(r.error)
    end)

    it("cannot wait", function()
        local r = run([[call.on_dtmf = function(c) c:play("x") end
                        call:gather{}]], { keys = { "5" } })
        assert.matches("only be called from the flow itself", r.error)
        assert.is_true(r.fallback)
    end)
end)

describe("coroutines of the flow's own", function()
    it("may not wait on the call: only the flow itself can", function()
        local r = run([[local co = coroutine.create(function() call:sleep(1) end)
                        local ok, e = coroutine.resume(co) call:log(tostring(ok), e)]])
        assert.matches("^false .*only be called from the flow itself", r.logs[1])
    end)

    it("work as usual otherwise", function()
        local r = run([[local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
                        call:log(gen() + gen() + gen())]])
        assert.same({ "6" }, r.logs)
    end)
end)

describe("after the call ended", function()
    it("every waiting method raises 'call ended'", function()
        local r = run([[call:hangup("done")
                        for _, m in ipairs{ "answer", "play", "gather", "sleep", "say" } do
                          local ok, e = pcall(call[m], call, m == "sleep" and 1 or "x")
                          call:log(m .. " " .. tostring(e))
                        end]])
        for _, l in ipairs(r.logs) do assert.matches(" call ended$", l) end
        assert.equal(5, #r.logs)
        assert.equal("done", r.ended)
    end)

    it("an uncaught 'call ended' ends the flow without an error", function()
        local r = run([[call:sleep(10000) call:log("not reached")]], { hangup_at = 100 })
        assert.same({}, r.logs)
        assert.is_nil(r.error)
    end)
end)

describe("failures", function()
    it("an error goes to the fallback, with file:line", function()
        local r = run("call:answer()\nlocal x = nil\nx.y = 1\n")
        assert.matches("^t%d+/flow.lua:3: attempt to index a nil value", r.error)
        assert.is_true(r.fallback)
        assert.equal("fallback", r.ended)
        assert.same({ "en/fallback" }, r.prompts)
    end)

    it("a runaway loop, also in pcall, is ended by the budget", function()
        local r = run("pcall(function() while true do end end)\ncall:log('survived')")
        assert.matches("instruction budget exceeded", r.error)
        assert.same({}, r.logs)
    end)

    it("a memory bomb is ended by the call's share", function()
        local t = assert(tenant("local t = {} for i = 1, 1e8 do t[i] = {} end",
                                nil, { call_memory_kb = 1024 }))
        local r = t:call{}
        assert.matches("memory limit exceeded", r.error)
        assert.is_true(r.fallback)
        -- and the tenant serves the next call
        assert.matches("memory limit exceeded", t:call{}.error)
    end)

    it("recording is refused by the media gate until a consent exists (G2)", function()
        local r = run([[local ok, e = call:record{ purpose = "quality" } call:log(tostring(ok), e)]])
        assert.matches("^nil G2: recording refused: no committed consent on this call", r.logs[1])
    end)

    it("a broken flow does not load; the message has file:line", function()
        local t, err = tenant("call:answer(\n")
        assert.is_nil(t)
        assert.matches("^t%d+/flow.lua:2: ", err)
    end)
end)

describe("globals", function()
    it("never leak from one call to the next", function()
        local t = assert(tenant([[call:log(tostring(seen)) seen = true]]))
        assert.same({ "nil" }, t:call{}.logs)
        assert.same({ "nil" }, t:call{}.logs)
    end)

    it("code from load() cannot write the shared globals either", function()
        local r = run([[local ok, e = pcall(load("leaked = true")) call:log(tostring(ok), e)
                        local env = {} load("x = 1", "chunk", "t", env)() call:log(env.x)]])
        assert.matches("^false .*read%-only", r.logs[1])
        assert.equal("1", r.logs[2])
    end)

    it("shared tables are read-only; modules keep their own state", function()
        local t = assert(tenant([[local m = require("counter")
                                  call:log(m.next(), tostring(pcall(function() string.x = 1 end)))]],
                                { ["counter.lua"] = "local n = 0 return { next = function() n = n + 1 return n end }" }))
        assert.same({ "1 false" }, t:call{}.logs)
        assert.same({ "2 false" }, t:call{}.logs)
    end)
end)

describe("transfer", function()
    it("passes the target and headers, and reports a refusal", function()
        local r = run([[local ok, e = call:transfer("sip:human@example.org", { ["X-Consent"] = "none" })
                        call:log(tostring(ok), tostring(e))]], { transfer_ok = false })
        assert.equal("sip:human@example.org", r.transfers[1].target)
        assert.same({ ["X-Consent"] = "none" }, r.transfers[1].headers)
        assert.same({ "false REFER refused: 603" }, r.logs)
    end)

    it("checks the target and headers", function()
        local r = run([[for _, a in ipairs{ { "http://x" }, { "sip:a b" }, { "sip:x", { ["Bad Name"] = "v" } },
                                             { "sip:x", { X = "line\r\nbreak" } } } do
                          local ok, e = pcall(call.transfer, call, a[1], a[2]) call:log(e)
                        end]])
        assert.equal(4, #r.logs)
    end)
end)
