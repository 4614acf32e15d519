/**
 * Flattens ComfyUI's UI format into nodes: subgraph instances are expanded with ids
 * `<instance>:<inner>`, and widget inputs fed by a primitive, a reroute or a subgraph input
 * are resolved to the value that reaches them.
 */
import { PRIMITIVE_VALUE_CLASSES, VIRTUAL_CLASSES } from "./core-nodes.js";
import type { FlatNode, NodeMode } from "./flat-node.js";
import { MAX_LINK_DEPTH, modeOf } from "./flat-node.js";
import { LOADERS } from "./loaders.js";
import type { GroupMember, Subgraph, UiLink, UiNode, UiWorkflow } from "./ui-schema.js";

/** The node id LiteGraph gives a subgraph's input side inside the subgraph. */
const SUBGRAPH_INPUT_NODE = "-10";
/** Subgraphs nest; this bounds a file whose subgraphs contain each other. */
const MAX_SUBGRAPH_DEPTH = 16;

interface Scope {
  nodes: Map<string, UiNode>;
  links: Map<number, UiLink>;
  prefix: string;
  /** Resolves the value entering this subgraph's input slot from the enclosing graph; null at the top. */
  outer: ((slot: number) => unknown) | null;
  /** The enclosing instance's mode: a muted or bypassed subgraph makes every node in it inactive. */
  inherited: NodeMode;
  depth: number;
}

function widgetList(node: UiNode): unknown[] {
  return Array.isArray(node.widgets_values) ? node.widgets_values : [];
}

function resolveLink(scope: Scope, linkId: number, depth: number): unknown {
  const link = scope.links.get(linkId);
  if (link === undefined || depth > MAX_LINK_DEPTH) {
    return undefined;
  }
  if (link.originId === SUBGRAPH_INPUT_NODE) {
    return scope.outer?.(link.originSlot);
  }
  const origin = scope.nodes.get(link.originId);
  if (origin === undefined) {
    return undefined;
  }
  if (origin.type === "PrimitiveNode" || PRIMITIVE_VALUE_CLASSES.has(origin.type)) {
    return widgetList(origin)[0];
  }
  if (origin.type === "Reroute") {
    const upstream = origin.inputs?.[0]?.link;
    return upstream === undefined || upstream === null ? undefined : resolveLink(scope, upstream, depth + 1);
  }
  return undefined;
}

/** Returns the value of widget `name`: the linked value when its input is wired, else the stored widget value. */
function widgetValue(scope: Scope, node: UiNode, name: string): unknown {
  const input = node.inputs?.find((entry) => entry.widget?.name === name || entry.name === name);
  if (input?.link !== undefined && input.link !== null) {
    const linked = resolveLink(scope, input.link, 0);
    if (linked !== undefined) {
      return linked;
    }
  }
  const stored = node.widgets_values;
  if (stored === undefined || stored === null) {
    return undefined;
  }
  if (!Array.isArray(stored)) {
    return stored[name];
  }
  const index = LOADERS[node.type]?.widgets.indexOf(name) ?? -1;
  return index < 0 ? undefined : stored[index];
}

function namedWidgets(node: UiNode): Array<[string, unknown]> {
  const stored = node.widgets_values;
  if (stored === undefined || stored === null) {
    return [];
  }
  if (!Array.isArray(stored)) {
    return Object.entries(stored);
  }
  const names = LOADERS[node.type]?.widgets ?? [];
  return stored.map((value, index): [string, unknown] => [names[index] ?? `widget_${index}`, value]);
}

function flatNode(scope: Scope, node: UiNode): FlatNode {
  const own = modeOf(node.mode);
  return {
    id: `${scope.prefix}${node.id}`,
    classType: node.type,
    mode: scope.inherited === "active" ? own : scope.inherited,
    properties: node.properties ?? {},
    value: (name) => widgetValue(scope, node, name),
    namedValues: () => namedWidgets(node),
  };
}

function scopeOf(nodes: UiNode[], links: UiLink[], prefix: string, outer: Scope["outer"], inherited: NodeMode, depth: number): Scope {
  return {
    nodes: new Map(nodes.map((node) => [node.id, node])),
    links: new Map(links.map((link) => [link.id, link])),
    prefix,
    outer,
    inherited,
    depth,
  };
}

/** The definition name a legacy group node instance refers to: type `workflow>name` (or `workflow/name`). */
function groupName(type: string): string | null {
  const match = /^workflow[>/](.+)$/.exec(type);
  return match?.[1] ?? null;
}

/**
 * Expands a legacy group node: its members are listed as `<instance>:<index>` with the widget
 * values stored in the definition.
 * NOTE: values the instance overrides and links between members are not read, so a member fed by
 * a primitive inside the group shows its stored value.
 */
function groupMembers(scope: Scope, node: UiNode, members: GroupMember[]): UiNode[] {
  return members.map((member, position) => ({ ...member, id: `${node.id}:${member.index ?? position}`, mode: modeOf(node.mode) === "active" ? member.mode : node.mode }));
}

function flattenScope(scope: Scope, subgraphs: Map<string, Subgraph>, out: FlatNode[], groups: Map<string, GroupMember[]> = new Map()): void {
  for (const node of scope.nodes.values()) {
    const group = groupName(node.type);
    const members = group === null ? undefined : groups.get(group);
    if (members !== undefined) {
      const inner = scopeOf(groupMembers(scope, node, members), [], scope.prefix, scope.outer, scope.inherited, scope.depth + 1);
      flattenScope(inner, subgraphs, out);
      continue;
    }
    const subgraph = subgraphs.get(node.type);
    if (subgraph !== undefined && scope.depth < MAX_SUBGRAPH_DEPTH) {
      const own = modeOf(node.mode);
      const outer = (slot: number): unknown => {
        const link = node.inputs?.[slot]?.link;
        return link === undefined || link === null ? undefined : resolveLink(scope, link, 0);
      };
      const inner = scopeOf(subgraph.nodes, subgraph.links ?? [], `${scope.prefix}${node.id}:`, outer, scope.inherited === "active" ? own : scope.inherited, scope.depth + 1);
      flattenScope(inner, subgraphs, out, groups);
      continue;
    }
    if (!VIRTUAL_CLASSES.has(node.type)) {
      out.push(flatNode(scope, node));
    }
  }
}

export function flattenUiGraph(workflow: UiWorkflow): FlatNode[] {
  const subgraphs = new Map((workflow.definitions?.subgraphs ?? []).map((subgraph) => [subgraph.id, subgraph]));
  const out: FlatNode[] = [];
  const groups = new Map(Object.entries(workflow.extra?.groupNodes ?? {}).map(([name, definition]) => [name, definition.nodes]));
  flattenScope(scopeOf(workflow.nodes, workflow.links ?? [], "", null, "active", 0), subgraphs, out, groups);
  return out;
}
