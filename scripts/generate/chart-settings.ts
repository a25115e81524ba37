// The chart's `config` values as JSON Schema, derived from the app's zod config schema: the app
// stays the one source of each setting's type, bounds, enum, pattern, default and description.
import { z } from 'zod';

type Scalar = string | number | boolean | null;

export interface SettingSchema {
  description: string;
  type: string[];
  enum?: Scalar[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  not?: { enum: Scalar[] };
  default?: Scalar;
}

export interface ChartSetting {
  key: string;
  schema: SettingSchema;
}

/** What one zod field turns into with z.toJSONSchema (io: input), as far as the chart uses it. */
type FieldJsonSchema = Partial<Omit<SettingSchema, 'type' | 'not'>> & { type?: string };

type ConfigSchema = z.ZodObject<Record<string, z.ZodType>>;

/**
 * YAML reads some unquoted scalars as a number or a boolean, and the chart writes them back into
 * the environment as the same text ('1', 'true'). An enum member 'true' or 'false' is accepted as
 * a YAML boolean too (not '1' as 1: Helm's validator takes an enum holding both for a duplicate
 * and refuses the whole schema). A free-form string setting takes these scalars only where the
 * app reads a number or a boolean out of the text, and refuses those texts the app refuses.
 */
const YAML_TYPED = [
  { text: '1', value: 1, type: 'integer' },
  { text: 'true', value: true, type: 'boolean' },
  { text: 'false', value: false, type: 'boolean' },
] as const;

function addType(schema: SettingSchema, type: string): void {
  if (!schema.type.includes(type)) schema.type.push(type);
}

function widenEnum(schema: SettingSchema, members: Scalar[]): void {
  for (const scalar of YAML_TYPED) {
    if (scalar.type === 'boolean' && members.includes(scalar.text)) {
      addType(schema, scalar.type);
      members.push(scalar.value);
    }
  }
}

function widenFreeString(schema: SettingSchema, field: z.ZodType): void {
  const refused: Scalar[] = [];
  for (const scalar of YAML_TYPED) {
    const parsed = field.safeParse(scalar.text);
    if (parsed.success && typeof parsed.data !== 'string') addType(schema, scalar.type);
    if (!parsed.success && schema.pattern === undefined) refused.push(scalar.text);
  }
  // Refuse the YAML spelling too where the type let in for its sibling (`false`) would pass it.
  for (const scalar of YAML_TYPED) {
    if (refused.includes(scalar.text) && schema.type.includes(scalar.type)) refused.push(scalar.value);
  }
  if (refused.length > 0) schema.not = { enum: refused };
}

/** A refinement such as "a power of two" is code; the chart lists the values it lets through. */
const MAX_ENUMERATED_RANGE = 1 << 21;
const MAX_ENUMERATED_VALUES = 64;

function hasRefinement(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; in?: z.core.$ZodType; out?: z.core.$ZodType };
  if (def.checks?.some((check) => check._zod.def.check === 'custom')) return true;
  return [def.innerType, def.in, def.out].some((inner) => inner !== undefined && hasRefinement(inner));
}

function enumerateAccepted(key: string, field: z.ZodType, minimum: number, maximum: number): number[] {
  if (maximum - minimum > MAX_ENUMERATED_RANGE) {
    throw new Error(`${key}: a refinement over ${minimum}..${maximum} is too wide to list; express it in zod (e.g. an enum)`);
  }
  const accepted: number[] = [];
  for (let value = minimum; value <= maximum; value++) {
    if (field.safeParse(value).success) accepted.push(value);
  }
  if (accepted.length > MAX_ENUMERATED_VALUES) {
    throw new Error(`${key}: its refinement lets ${accepted.length} values through; express it in zod so JSON Schema can carry it`);
  }
  return accepted;
}

function chartSetting(key: string, field: z.ZodType, json: FieldJsonSchema, note: string | undefined): ChartSetting {
  if (!json.description || !json.type) {
    throw new Error(`${key}: give it a description in app/src/config.ts (.meta({ description }))`);
  }
  const schema: SettingSchema = {
    description: note ? `${json.description} ${note}` : json.description,
    type: [json.type],
  };
  if (json.enum) schema.enum = [...json.enum];
  if (json.type === 'integer' && hasRefinement(field) && json.minimum !== undefined && json.maximum !== undefined) {
    schema.enum = enumerateAccepted(key, field, json.minimum, json.maximum);
  } else {
    if (json.minimum !== undefined) schema.minimum = json.minimum;
    if (json.maximum !== undefined) schema.maximum = json.maximum;
  }
  if (json.pattern !== undefined) schema.pattern = json.pattern;
  if (schema.enum) widenEnum(schema, schema.enum);
  else if (json.type === 'string') widenFreeString(schema, field);
  // The chart's own rule: null (or leaving the key out) keeps the app's default.
  schema.type.push('null');
  schema.enum?.push(null);
  if (json.default !== undefined) schema.default = json.default;
  return { key, schema };
}

/**
 * Every app setting the chart offers under `config`, in the app's order: all but `chartSet`, the
 * ones its templates set themselves. `notes` add chart-only remarks to a description.
 */
export function chartSettings(
  configSchema: ConfigSchema,
  chartSet: Readonly<Record<string, string>>,
  notes: Readonly<Record<string, string>>,
): ChartSetting[] {
  const keys = Object.keys(configSchema.shape);
  for (const key of [...Object.keys(chartSet), ...Object.keys(notes)]) {
    if (!keys.includes(key)) throw new Error(`${key} is not an app setting (app/src/config.ts)`);
  }
  const json = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' }) as { properties: Record<string, FieldJsonSchema> };
  return keys
    .filter((key) => !(key in chartSet))
    .map((key) => {
      const field = configSchema.shape[key];
      const fieldJson = json.properties[key];
      if (!field || !fieldJson) throw new Error(`${key}: missing from the JSON Schema zod produced`);
      return chartSetting(key, field, fieldJson, notes[key]);
    });
}
