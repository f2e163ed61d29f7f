/**
 * Visiting every graph and every tensor of a model: the main graph, subgraphs held
 * in node attributes (If branches, Loop/Scan bodies, any GRAPH/GRAPHS attribute),
 * model-local functions and training-info graphs. Each visit carries a label
 * saying where it is ('graph', 'graph/If_0.then_branch', 'function local:f').
 */
import type { OnnxAttribute, OnnxGraph, OnnxModelProto, OnnxNode, OnnxSparseTensor, OnnxTensor } from './messages.js';

/** A node's label in locations: its name, or op type and index when it has none. */
export function nodeLabel(node: OnnxNode, index: number): string {
  return node.name ? node.name : `${node.opType ?? 'node'}_${index}`;
}

/** The subgraphs a node holds in its attributes, with their labels. */
export function nodeSubgraphs(node: OnnxNode, index: number, where: string): { graph: OnnxGraph; where: string }[] {
  const found: { graph: OnnxGraph; where: string }[] = [];
  const base = `${where}/${nodeLabel(node, index)}`;
  for (const a of node.attribute ?? []) {
    if (a.g) found.push({ graph: a.g, where: `${base}.${a.name ?? ''}` });
    (a.graphs ?? []).forEach((g, k) => found.push({ graph: g, where: `${base}.${a.name ?? ''}[${k}]` }));
  }
  return found;
}

export interface GraphVisit {
  graph: OnnxGraph;
  where: string;
}

/** Every graph of the model, outer before inner (functions and training graphs after the main graph). */
export function allGraphs(proto: OnnxModelProto): GraphVisit[] {
  const out: GraphVisit[] = [];
  const visitNodes = (nodes: OnnxNode[], where: string) => {
    nodes.forEach((node, i) => {
      for (const sub of nodeSubgraphs(node, i, where)) visitGraph(sub.graph, sub.where);
    });
  };
  const visitGraph = (graph: OnnxGraph, where: string) => {
    out.push({ graph, where });
    visitNodes(graph.node ?? [], where);
  };
  if (proto.graph) visitGraph(proto.graph, 'graph');
  for (const f of proto.functions ?? []) {
    // A function body is a node list, not a graph; wrap it so callers see one shape.
    const where = `function ${f.domain ?? ''}:${f.name ?? ''}`;
    out.push({ graph: { node: f.node ?? [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [] }, where });
    visitNodes(f.node ?? [], where);
  }
  (proto.trainingInfo ?? []).forEach((ti, k) => {
    if (ti.initialization) visitGraph(ti.initialization, `training_info[${k}].initialization`);
    if (ti.algorithm) visitGraph(ti.algorithm, `training_info[${k}].algorithm`);
  });
  return out;
}

export interface TensorVisit {
  tensor: OnnxTensor;
  where: string;
  /** 'initializer' for graph initializers, else where the tensor sits ('attribute value of Constant_0' …). */
  role: string;
}

function attributeTensors(a: OnnxAttribute): OnnxTensor[] {
  const list: OnnxTensor[] = [];
  if (a.t) list.push(a.t);
  list.push(...(a.tensors ?? []));
  const sparse: OnnxSparseTensor[] = [...(a.sparseTensor ? [a.sparseTensor] : []), ...(a.sparseTensors ?? [])];
  for (const s of sparse) {
    if (s.values) list.push(s.values);
    if (s.indices) list.push(s.indices);
  }
  return list;
}

/** Every tensor of the model: initializers, sparse initializers, and tensors in attributes. */
export function allTensors(proto: OnnxModelProto): TensorVisit[] {
  const out: TensorVisit[] = [];
  for (const { graph, where } of allGraphs(proto)) {
    for (const t of graph.initializer ?? []) out.push({ tensor: t, where, role: 'initializer' });
    for (const s of graph.sparseInitializer ?? []) {
      if (s.values) out.push({ tensor: s.values, where, role: 'sparse initializer values' });
      if (s.indices) out.push({ tensor: s.indices, where, role: 'sparse initializer indices' });
    }
    (graph.node ?? []).forEach((node, i) => {
      for (const a of node.attribute ?? []) {
        for (const t of attributeTensors(a)) out.push({ tensor: t, where, role: `attribute ${a.name ?? ''} of ${nodeLabel(node, i)}` });
      }
    });
  }
  for (const f of proto.functions ?? []) {
    for (const a of f.attributeProto ?? []) {
      for (const t of attributeTensors(a)) out.push({ tensor: t, where: `function ${f.domain ?? ''}:${f.name ?? ''}`, role: `default of attribute ${a.name ?? ''}` });
    }
  }
  return out;
}
