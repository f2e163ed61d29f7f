/**
 * Walking an ONNX model's graphs: the main graph, the subgraphs held by node
 * attributes (If branches, Loop and Scan bodies, any GRAPH or GRAPHS attribute) at
 * any depth, and the bodies of model-local functions. Used to find every node an
 * opset change could affect and every name a new tensor must not collide with.
 */
import type { OnnxFunction, OnnxGraph, OnnxModelProto, OnnxNode } from './schema.js';

/** A graph and the node (in its parent graph) whose attribute holds it; null for the main graph. */
export interface GraphVisit {
  graph: OnnxGraph;
  parent: { graph: OnnxGraph; node: OnnxNode } | null;
}

/** The graphs held by a node's attributes (If then/else_branch, Loop/Scan body, …). */
export function subgraphsOf(node: OnnxNode): OnnxGraph[] {
  const out: OnnxGraph[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** Every graph of the model (main graph first, then nested ones depth first), with its parent link. */
export function graphsWithParents(proto: OnnxModelProto): GraphVisit[] {
  const out: GraphVisit[] = [];
  const visit = (graph: OnnxGraph, parent: GraphVisit['parent']): void => {
    out.push({ graph, parent });
    for (const node of graph.node ?? []) for (const g of subgraphsOf(node)) visit(g, { graph, node });
  };
  if (proto.graph) visit(proto.graph, null);
  for (const fn of proto.functions ?? []) for (const node of fn.node ?? []) for (const g of subgraphsOf(node)) visit(g, null);
  return out;
}

/** True for the default ONNX operator domain ('' or 'ai.onnx'). */
export function isDefaultDomain(domain: string | undefined | null): boolean {
  return !domain || domain === 'ai.onnx';
}

/** Every name used in the model: values, initializers, graph inputs/outputs, node names, function names. */
export function usedNames(proto: OnnxModelProto): Set<string> {
  const names = new Set<string>();
  const add = (s: string | undefined | null): void => {
    if (s) names.add(s);
  };
  const addNodes = (nodes: OnnxNode[]): void => {
    for (const n of nodes) {
      add(n.name);
      for (const s of n.input ?? []) add(s);
      for (const s of n.output ?? []) add(s);
    }
  };
  for (const { graph } of graphsWithParents(proto)) {
    for (const t of graph.initializer ?? []) add(t.name);
    for (const v of graph.input ?? []) add(v.name);
    for (const v of graph.output ?? []) add(v.name);
    for (const v of graph.valueInfo ?? []) add(v.name);
    addNodes(graph.node ?? []);
  }
  for (const fn of proto.functions ?? []) {
    const f: OnnxFunction = fn;
    for (const s of f.input ?? []) add(s);
    for (const s of f.output ?? []) add(s);
    addNodes(f.node ?? []);
  }
  return names;
}

/** Hands out names not yet used in the model: `base`, else `base_1`, `base_2`, … */
export class NameAllocator {
  constructor(private readonly taken: Set<string>) {}

  take(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}
