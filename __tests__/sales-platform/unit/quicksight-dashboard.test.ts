import { QUICKSIGHT_DATASETS, type QuicksightDataset } from "../../../lambdas/sales-platform/contract";
import { DASHBOARD_ACTIONS, DASHBOARD_SHEETS } from "../../../stacks/sales-platform/quicksight-dashboard";
import { type Json, resourcesOf, type StackJson } from "../../support/synth";
import { synthSalesPlatform } from "../support/synth";

// GIVEN the app with default settings (prefix "sales", environment dev)
const stack: StackJson = synthSalesPlatform();
const ON = "${var.enable_quicksight ? 1 : 0}";
const USER = "${var.quicksight_user_arn}";
const DATASETS = Object.keys(QUICKSIGHT_DATASETS) as QuicksightDataset[];

const dashboards = Object.entries<Json>(stack.resource.aws_quicksight_dashboard ?? {});
const [dashboardKey, dashboard] = dashboards[0] ?? [];
const definition: Json = dashboard?.definition;
const sets = stack.resource.aws_quicksight_data_set ?? {};

/** Every object under `node` for which `match` holds, depth first. */
function collect(node: Json, match: (o: Json) => boolean, found: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) collect(n, match, found);
  else if (node && typeof node === "object") {
    if (match(node)) found.push(node);
    for (const v of Object.values(node)) collect(v, match, found);
  }
  return found;
}
const columnsOf = (node: Json) => collect(node, (o) => "data_set_identifier" in o && "column_name" in o);
const visualKind = (v: Json) => Object.keys(v)[0];
const visualBody = (v: Json) => Object.values<Json>(v)[0];
/** The dataset resource key an identifier's declared ARN points at. */
const setKeyOf = (identifier: string): string => {
  const decl = definition.data_set_identifiers_declarations.find((d: Json) => d.identifier === identifier);
  if (!decl) throw new Error(`identifier ${identifier} is not declared`);
  const key = /^\$\{one\(aws_quicksight_data_set\.([\w-]+)\[\*\]\.arn\)\}$/.exec(decl.data_set_arn)?.[1];
  if (!key) throw new Error(`identifier ${identifier} maps to ${decl.data_set_arn}, not a dataset's ARN`);
  return key;
};

describe("sales-platform: the QuickSight dashboard", () => {
  test("one dashboard, only when enable_quicksight (the datasets' count), owned by quicksight_user_arn", () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboard).toMatchObject({
      count: ON,
      dashboard_id: "sales-dev-qs-dashboard",
      name: "Sales daily analysis",
      permissions: [{ principal: USER, actions: DASHBOARD_ACTIONS }],
    });
    // The same switch and the same owner as every dataset it reads.
    for (const set of Object.values<Json>(sets)) {
      expect(set.count).toBe(ON);
      expect(set.permissions[0].principal).toBe(USER);
    }
    // Built from the definition, not from a template.
    expect(dashboard.source_entity).toBeUndefined();
  });

  test("a sheet per dataset, in the contract's order; every visual is placed on its sheet's grid", () => {
    expect(definition.sheets.map((s: Json) => s.sheet_id)).toEqual(DATASETS.map((d) => d.replace(/_/g, "-")));
    expect(definition.sheets.map((s: Json) => s.name)).toEqual(DATASETS.map((d) => DASHBOARD_SHEETS[d].title));
    for (const sheet of definition.sheets) {
      const ids = sheet.visuals.map((v: Json) => visualBody(v).visual_id);
      expect(sheet.layouts[0].configuration.grid_layout.elements.map((e: Json) => e.element_id)).toEqual(ids);
    }
    const kinds = Object.fromEntries(definition.sheets.map((s: Json) => [s.sheet_id, s.visuals.map(visualKind)]));
    expect(kinds).toEqual({
      "store-summaries": ["bar_chart_visual", "table_visual"],
      products: ["bar_chart_visual", "table_visual"],
      anomalies: ["table_visual"],
      trends: ["line_chart_visual", "table_visual"],
      recommendations: ["table_visual"],
    });
    const visualIds = collect(definition, (o) => "visual_id" in o).map((o) => o.visual_id);
    const fieldIds = collect(definition, (o) => "field_id" in o).map((o) => o.field_id);
    expect(new Set(visualIds).size).toBe(visualIds.length);
    expect(new Set(fieldIds).size).toBe(fieldIds.length);
  });

  test("each dataset identifier is declared once and maps to that dataset's resource ARN", () => {
    const declared = definition.data_set_identifiers_declarations.map((d: Json) => d.identifier);
    expect(declared).toEqual(DATASETS);
    for (const name of DATASETS) {
      const set = sets[setKeyOf(name)];
      expect(set).toBeDefined();
      expect(set.logical_table_map[0].alias).toBe(name);
    }
  });

  test("every field-well column is one the dataset's physical table declares, on that sheet's own dataset", () => {
    for (const [i, sheet] of definition.sheets.entries()) {
      const name = DATASETS[i];
      const inputColumns = sets[setKeyOf(name)].physical_table_map[0].s3_source.input_columns.map((c: Json) => c.name);
      for (const visual of sheet.visuals) {
        const columns = columnsOf(visual);
        expect(columns.length).toBeGreaterThan(0);
        for (const c of columns) {
          expect([visualBody(visual).visual_id, c.data_set_identifier]).toEqual([visualBody(visual).visual_id, name]);
          expect(inputColumns).toContain(c.column_name);
        }
      }
      // The sheet's table shows all of them.
      const table = sheet.visuals.find((v: Json) => visualKind(v) === "table_visual");
      expect(columnsOf(table).map((c) => c.column_name)).toEqual(inputColumns);
    }
  });

  test("measures sum or average only columns the dataset casts to numbers", () => {
    const measures = collect(definition, (o) => "numerical_measure_field" in o).map((o) => o.numerical_measure_field);
    expect(measures.map((m) => [m.column.data_set_identifier, m.column.column_name])).toEqual([
      ["store_summaries", "total_sales"],
      ["products", "sales"],
      ["trends", "week_over_week_pct"],
    ]);
    for (const m of measures) {
      const set = sets[setKeyOf(m.column.data_set_identifier)];
      const casts = set.logical_table_map[0].data_transforms.map((t: Json) => t.cast_column_type_operation);
      expect(casts).toContainEqual({
        column_name: m.column.column_name,
        new_column_type: expect.stringMatching(/^(DECIMAL|INTEGER)$/),
      });
    }
  });

  test("outputs: the dashboard's id and console URL, empty (not null: cdktf deploy fails on null outputs) without QuickSight", () => {
    const fqn = `aws_quicksight_dashboard.${dashboardKey}`;
    expect(stack.output.quicksight_dashboard_id.value).toBe(`\${join("", ${fqn}[*].dashboard_id)}`);
    // A for expression over the (possibly empty) instances: join of [] is "".
    expect(stack.output.quicksight_dashboard_url.value).toBe(
      `\${join("", [for d in ${fqn} : format("https://%s.quicksight.aws.amazon.com/sn/dashboards/%s", d.region, d.dashboard_id)])}`,
    );
    expect(resourcesOf(stack, "aws_quicksight_dashboard")).toHaveLength(1);
  });
});
