/** The parts of ComfyUI's UI workflow format (LiteGraph JSON, schema 0.4 and 1) the parser reads. */
import { z } from "zod";

const nodeIdSchema = z.union([z.number(), z.string()]).transform(String);

export const uiNodeSchema = z.looseObject({
  id: nodeIdSchema,
  type: z.string().min(1),
  mode: z.number().int().optional(),
  inputs: z
    .array(
      z.looseObject({
        name: z.string(),
        link: z.number().int().nullable().optional(),
        widget: z.looseObject({ name: z.string() }).optional(),
      }),
    )
    .optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  widgets_values: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullable().optional(),
});
export type UiNode = z.infer<typeof uiNodeSchema>;

/** Schema 0.4 writes links as `[id, origin, origin slot, target, target slot, type]`, subgraphs and schema 1 as objects. */
const linkSchema = z.union([
  z
    .tuple([z.number().int(), nodeIdSchema, z.number().int(), nodeIdSchema, z.number().int()])
    .rest(z.unknown())
    .transform(([id, originId, originSlot]) => ({ id, originId, originSlot })),
  z
    .looseObject({ id: z.number().int(), origin_id: nodeIdSchema, origin_slot: z.number().int() })
    .transform((link) => ({ id: link.id, originId: link.origin_id, originSlot: link.origin_slot })),
]);
export type UiLink = z.infer<typeof linkSchema>;

/** An entry of `properties.models` or the workflow's top-level `models`: where the frontend can fetch a file. */
export const modelHintSchema = z.looseObject({
  name: z.string().min(1),
  url: z.string().optional(),
  hash: z.string().optional(),
  hash_type: z.string().optional(),
  directory: z.string().optional(),
});
export type ModelHint = z.infer<typeof modelHintSchema>;

const graphShape = {
  nodes: z.array(uiNodeSchema),
  links: z.array(linkSchema).nullable().optional(),
};

export const subgraphSchema = z.looseObject({ id: z.string().min(1), ...graphShape });
export type Subgraph = z.infer<typeof subgraphSchema>;

/** A node inside a legacy group node definition: numbered by `index` instead of `id`. */
const groupMemberSchema = uiNodeSchema.omit({ id: true }).extend({ index: z.number().int().optional() });
export type GroupMember = z.infer<typeof groupMemberSchema>;

/** Legacy group nodes (frontends before subgraphs): `extra.groupNodes[name].nodes`, used as type `workflow>name`. */
const groupNodesSchema = z.record(z.string(), z.looseObject({ nodes: z.array(groupMemberSchema) }));

export const uiWorkflowSchema = z.looseObject({
  ...graphShape,
  definitions: z.looseObject({ subgraphs: z.array(subgraphSchema).optional() }).optional(),
  models: z.array(modelHintSchema).optional(),
  extra: z.looseObject({ groupNodes: groupNodesSchema.optional() }).nullable().optional(),
});
export type UiWorkflow = z.infer<typeof uiWorkflowSchema>;
