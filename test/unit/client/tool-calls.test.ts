import { describe, expect, it } from "vitest";
import { normalizeToolCalls, ToolCallAssembler } from "../../../src/client/tool-calls.js";

describe("ToolCallAssembler", () => {
  it("assembles by index, first id and name win, arguments concatenate", () => {
    const a = new ToolCallAssembler();
    a.push([{ index: 0, id: "a", type: "function", function: { name: "f", arguments: "" } }]);
    a.push([{ index: 0, function: { arguments: '{"x":' } }, { index: 1, id: "b", type: "function", function: { name: "g", arguments: "{}" } }]);
    a.push([{ index: 0, id: "", function: { arguments: "1}" } }]);
    a.push([{ index: 0, id: "a", function: { name: "f", arguments: "" } }]);
    expect(a.result()).toEqual([
      { id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } },
      { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
    ]);
    expect(a.count).toBe(2);
  });

  it("infers the index when a server omits it", () => {
    const a = new ToolCallAssembler();
    a.push([{ id: "a", function: { name: "f", arguments: "{" } } as never]);
    a.push([{ function: { arguments: "}" } } as never]);
    a.push([{ id: "b", function: { name: "g", arguments: "{}" } } as never]);
    expect(a.result().map((c) => [c.id, c.function.arguments])).toEqual([
      ["a", "{}"],
      ["b", "{}"],
    ]);
  });

  it("skips gaps in the indices", () => {
    const a = new ToolCallAssembler();
    a.push([{ index: 2, id: "c", function: { name: "h", arguments: "{}" } }]);
    expect(a.result()).toHaveLength(1);
  });

  it("normalizes non-streamed calls", () => {
    expect(normalizeToolCalls([{ id: "x", function: { name: "f", arguments: { a: 1 } } }, null, { function: {} }])).toEqual([
      { id: "x", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      { id: "", type: "function", function: { name: "", arguments: "" } },
    ]);
    expect(normalizeToolCalls(undefined)).toEqual([]);
  });
});
