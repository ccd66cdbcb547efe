-- scripts/types/callwarden.lua (the LuaLS description of the call API) must describe
-- exactly what the runtime's call object has: every method and field, nothing more.
local cw = require("callwarden")
local src = os.getenv("CW_SOURCE_DIR") or "."

local function read_meta()
    local f = assert(io.open(src .. "/scripts/types/callwarden.lua"))
    local text = f:read("a")
    f:close()
    return text
end

local function set(list)
    local s = {}
    for _, v in ipairs(list) do s[v] = true end
    return s
end

describe("the LuaLS description of the call API", function()
    local text = read_meta()
    local api = cw.api()

    it("is a ---@meta file", function()
        assert.matches("^%-%-%-@meta", text)
    end)

    it("lists every method of the call object, and no other", function()
        local described = {}
        for name in text:gmatch("\nfunction Call:([%w_]+)%(") do described[#described + 1] = name end
        assert.same(set(api.methods), set(described))
    end)

    it("lists every field of the call object, and no other", function()
        local class = text:match("%-%-%-@class Call\n(.-)\nlocal Call")
        assert.is_string(class)
        local described = {}
        for name in class:gmatch("%-%-%-@field ([%w_]+)") do described[#described + 1] = name end
        assert.same(set(api.fields), set(described))
    end)

    it("describes the fields a flow can read and the runtime answers", function()
        local dir = os.tmpname()
        os.remove(dir)
        assert(os.execute("mkdir -p " .. dir .. "/meta"))
        local f = assert(io.open(dir .. "/meta/flow.lua", "w"))
        local reads = {}
        for _, name in ipairs(api.fields) do
            reads[#reads + 1] = ("call:log('%s', type(call.%s))"):format(name, name)
        end
        f:write(table.concat(reads, "\n"))
        f:close()
        local r = assert(cw.tenant(dir .. "/meta")):call{}
        os.execute("rm -rf " .. dir)
        assert.is_nil(r.error)
        assert.equal(#api.fields, #r.logs)
    end)
end)
