/**
 * The QuickSight dashboard over the daily exports' datasets (enable_quicksight): one sheet per
 * dataset, each with a table of all its columns and, where a chart says more, a bar or line
 * chart. The definition is written out here (not built in the console) so that it is reviewed
 * and re-created with the datasets. The provider types `definition` as `any`, so its Terraform
 * JSON shape (snake_case blocks) is typed below, for the few visuals used.
 */
import { QuicksightDashboard } from "@cdktf/provider-aws/lib/quicksight-dashboard";
import type { QuicksightDataSet } from "@cdktf/provider-aws/lib/quicksight-data-set";
import { Token } from "cdktf";
import type { Construct } from "constructs";
import { QUICKSIGHT_DATASETS, type QuicksightDataset } from "../../lambdas/sales-platform/contract";

// What the owner may do with the dashboard (AWS's owner set for dashboards).
export const DASHBOARD_ACTIONS = [
  "quicksight:DeleteDashboard",
  "quicksight:DescribeDashboard",
  "quicksight:DescribeDashboardPermissions",
  "quicksight:ListDashboardVersions",
  "quicksight:QueryDashboard",
  "quicksight:UpdateDashboard",
  "quicksight:UpdateDashboardPermissions",
  "quicksight:UpdateDashboardPublishedVersion",
];

type Column<D extends QuicksightDataset> = (typeof QUICKSIGHT_DATASETS)[D][number];
type ColumnName<D extends QuicksightDataset> = Column<D>["name"];
/** Columns the dataset casts to numbers: the only ones a measure may sum or average. */
type MeasureName<D extends QuicksightDataset> = Extract<Column<D>, { type: "DECIMAL" | "INTEGER" }>["name"];

interface ChartSpec<D extends QuicksightDataset> {
  readonly kind: "bar" | "line";
  readonly title: string;
  readonly category: ColumnName<D>;
  readonly value: MeasureName<D>;
  readonly aggregation: "SUM" | "AVERAGE";
  /** One series (bar colour, line) per value of this column. */
  readonly colors?: ColumnName<D>;
}

/** The sheets, in this order; every sheet also gets a table of all its dataset's columns. */
export const DASHBOARD_SHEETS: { readonly [D in QuicksightDataset]: { title: string; chart?: ChartSpec<D> } } = {
  store_summaries: {
    title: "Store summaries",
    chart: { kind: "bar", title: "Sales by store", category: "store_id", value: "total_sales", aggregation: "SUM" },
  },
  products: {
    title: "Products",
    chart: {
      kind: "bar",
      title: "Sales by product",
      category: "product_name",
      value: "sales",
      aggregation: "SUM",
      colors: "category",
    },
  },
  anomalies: { title: "Anomalies" },
  trends: {
    title: "Trends",
    chart: {
      kind: "line",
      title: "Week over week (%)",
      category: "date",
      value: "week_over_week_pct",
      aggregation: "AVERAGE",
      colors: "scope",
    },
  },
  recommendations: { title: "Recommendations" },
};

// ---- the definition's Terraform JSON (the subset used) ---------------------------------------

interface ColumnRef {
  readonly data_set_identifier: string;
  readonly column_name: string;
}
interface DimensionField {
  readonly categorical_dimension_field: { readonly field_id: string; readonly column: ColumnRef };
}
interface MeasureField {
  readonly numerical_measure_field: {
    readonly field_id: string;
    readonly column: ColumnRef;
    readonly aggregation_function: { readonly simple_numerical_aggregation: "SUM" | "AVERAGE" };
  };
}
interface AggregatedWells {
  readonly category: DimensionField[];
  readonly values: MeasureField[];
  readonly colors?: DimensionField[];
}
interface Title {
  readonly format_text: { readonly plain_text: string };
}
export interface DashboardVisual {
  readonly table_visual?: {
    readonly visual_id: string;
    readonly title: Title;
    readonly chart_configuration: {
      readonly field_wells: {
        readonly table_unaggregated_field_wells: { readonly values: { field_id: string; column: ColumnRef }[] };
      };
    };
  };
  readonly bar_chart_visual?: {
    readonly visual_id: string;
    readonly title: Title;
    readonly chart_configuration: {
      readonly orientation: "VERTICAL";
      readonly field_wells: { readonly bar_chart_aggregated_field_wells: AggregatedWells };
    };
  };
  readonly line_chart_visual?: {
    readonly visual_id: string;
    readonly title: Title;
    readonly chart_configuration: {
      readonly type: "LINE";
      readonly field_wells: { readonly line_chart_aggregated_field_wells: AggregatedWells };
    };
  };
}
export interface DashboardSheet {
  readonly sheet_id: string;
  readonly name: string;
  readonly title: string;
  readonly visuals: DashboardVisual[];
  readonly layouts: {
    readonly configuration: {
      readonly grid_layout: {
        readonly elements: {
          element_id: string;
          element_type: "VISUAL";
          column_span: number;
          row_span: number;
        }[];
      };
    };
  }[];
}
export interface DashboardDefinition {
  readonly data_set_identifiers_declarations: { identifier: string; data_set_arn: string }[];
  readonly sheets: DashboardSheet[];
}

/** The definition, given each dataset's ARN (a Terraform expression). */
export function dashboardDefinition(arns: Record<QuicksightDataset, string>): DashboardDefinition {
  const names = Object.keys(QUICKSIGHT_DATASETS) as QuicksightDataset[];
  return {
    // The dataset's name is its identifier inside the definition.
    data_set_identifiers_declarations: names.map((name) => ({ identifier: name, data_set_arn: arns[name] })),
    sheets: names.map((name) => sheet(name, DASHBOARD_SHEETS[name])),
  };
}

function sheet(name: QuicksightDataset, spec: { title: string; chart?: ChartSpec<QuicksightDataset> }): DashboardSheet {
  const id = name.replace(/_/g, "-");
  const column = (column_name: string): ColumnRef => ({ data_set_identifier: name, column_name });
  // Field ids are unique across the definition: `<visual>.<column>`.
  const dimension = (visual: string, c: string): DimensionField => ({
    categorical_dimension_field: { field_id: `${visual}.${c}`, column: column(c) },
  });
  const visuals: DashboardVisual[] = [];
  if (spec.chart) {
    const c = spec.chart;
    const visualId = `${id}-${c.kind}`;
    const wells: AggregatedWells = {
      category: [dimension(visualId, c.category)],
      values: [
        {
          numerical_measure_field: {
            field_id: `${visualId}.${c.value}`,
            column: column(c.value),
            aggregation_function: { simple_numerical_aggregation: c.aggregation },
          },
        },
      ],
      ...(c.colors ? { colors: [dimension(visualId, c.colors)] } : {}),
    };
    const title = { format_text: { plain_text: c.title } };
    visuals.push(
      c.kind === "bar"
        ? {
            bar_chart_visual: {
              visual_id: visualId,
              title,
              chart_configuration: {
                orientation: "VERTICAL",
                field_wells: { bar_chart_aggregated_field_wells: wells },
              },
            },
          }
        : {
            line_chart_visual: {
              visual_id: visualId,
              title,
              chart_configuration: { type: "LINE", field_wells: { line_chart_aggregated_field_wells: wells } },
            },
          },
    );
  }
  const tableId = `${id}-table`;
  visuals.push({
    table_visual: {
      visual_id: tableId,
      title: { format_text: { plain_text: spec.title } },
      chart_configuration: {
        field_wells: {
          table_unaggregated_field_wells: {
            values: QUICKSIGHT_DATASETS[name].map((c) => ({
              field_id: `${tableId}.${c.name}`,
              column: column(c.name),
            })),
          },
        },
      },
    },
  });
  return {
    sheet_id: id,
    name: spec.title,
    title: spec.title,
    visuals,
    // Full width (the grid is 36 columns), one under the other.
    layouts: [
      {
        configuration: {
          grid_layout: {
            elements: visuals.map((v) => ({
              element_id: visualIdOf(v),
              element_type: "VISUAL",
              column_span: 36,
              row_span: 12,
            })),
          },
        },
      },
    ],
  };
}

export function visualIdOf(v: DashboardVisual): string {
  const body = v.table_visual ?? v.bar_chart_visual ?? v.line_chart_visual;
  if (!body) throw new Error("a visual without a kind");
  return body.visual_id;
}

export interface DashboardOptions {
  /** The datasets, by name (each with count = enable_quicksight ? 1 : 0). */
  readonly sets: Record<QuicksightDataset, QuicksightDataSet>;
  /** `${var.enable_quicksight ? 1 : 0}`, as the datasets'. */
  readonly count: number;
  readonly userArn: string;
  readonly dashboardId: string;
}

export function quicksightDashboard(scope: Construct, o: DashboardOptions) {
  const arns = Object.fromEntries(
    Object.entries(o.sets).map(([name, set]) => [name, Token.asString(`\${one(${set.fqn}[*].arn)}`)]),
  ) as Record<QuicksightDataset, string>;
  const dashboard = new QuicksightDashboard(scope, "QuicksightDashboard", {
    count: o.count,
    dashboardId: o.dashboardId,
    name: "Sales daily analysis",
    versionDescription: "Sheets over the daily exports: store summaries, products, anomalies, trends, recommendations",
    definition: dashboardDefinition(arns),
    permissions: [{ principal: o.userArn, actions: DASHBOARD_ACTIONS }],
  });
  return {
    dashboard,
    // Empty strings, not null, without QuickSight: cdktf deploy fails reading back a null output.
    /** The dashboard id, "" without QuickSight. */
    id: Token.asString(`\${join("", ${dashboard.fqn}[*].dashboard_id)}`),
    /** The console URL, "" without QuickSight. */
    url: Token.asString(
      `\${join("", [for d in ${dashboard.fqn} : format("https://%s.quicksight.aws.amazon.com/sn/dashboards/%s", d.region, d.dashboard_id)])}`,
    ),
  };
}
