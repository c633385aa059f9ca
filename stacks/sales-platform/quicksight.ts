/**
 * QuickSight over the daily exports, switched by enable_quicksight:
 * per dataset an S3 manifest (always written; harmless without QuickSight), and, when enabled,
 * an S3 data source reading it through a role of its own and a SPICE dataset whose text columns
 * are cast to their types. The QuickSight user (quicksight_user_arn) owns both.
 */
import { QuicksightDataSet } from "@cdktf/provider-aws/lib/quicksight-data-set";
import { QuicksightDataSource } from "@cdktf/provider-aws/lib/quicksight-data-source";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { type IResolvable, Token } from "cdktf";
import type { Construct } from "constructs";
import type { Bucket } from "../../constructs/bucket";
import { Role } from "../../constructs/iam";
import { pascalId } from "../../constructs/names";
import {
  QUICKSIGHT_DATASETS,
  QUICKSIGHT_PREFIX,
  type QuicksightDataset,
  quicksightManifestKey,
} from "../../lambdas/sales-platform/contract";

export const DATA_SOURCE_ACTIONS = [
  "quicksight:DeleteDataSource",
  "quicksight:DescribeDataSource",
  "quicksight:DescribeDataSourcePermissions",
  "quicksight:PassDataSource",
  "quicksight:UpdateDataSource",
  "quicksight:UpdateDataSourcePermissions",
];
export const DATA_SET_ACTIONS = [
  "quicksight:CancelIngestion",
  "quicksight:CreateIngestion",
  "quicksight:DeleteDataSet",
  "quicksight:DescribeDataSet",
  "quicksight:DescribeDataSetPermissions",
  "quicksight:DescribeIngestion",
  "quicksight:ListIngestions",
  "quicksight:PassDataSet",
  "quicksight:UpdateDataSet",
  "quicksight:UpdateDataSetPermissions",
];

export interface QuicksightOptions {
  readonly bucket: Bucket;
  /** A Terraform boolean (the enable_quicksight variable). */
  readonly enabled: IResolvable;
  readonly userArn: string;
  /** Start of the data source and dataset ids, e.g. `sales-dev-qs`. */
  readonly idPrefix: string;
  /** The role QuickSight reads the exports with. */
  readonly roleName: string;
}

export function quicksightDatasets(scope: Construct, o: QuicksightOptions) {
  // Read access to the exports only, for the QuickSight service.
  const role = new Role(scope, "QuicksightReadRole", {
    roleName: o.roleName,
    description: "QuickSight reads the daily exports (quicksight/ prefix) of the sales bucket",
    assumedBy: { service: "quicksight.amazonaws.com" },
  });
  o.bucket.grantRead(role, QUICKSIGHT_PREFIX);
  o.bucket.grantList(role, QUICKSIGHT_PREFIX);
  const count = Token.asNumber(`\${${Token.asString(o.enabled)} ? 1 : 0}`);
  const sources: QuicksightDataSource[] = [];
  const sets = {} as Record<QuicksightDataset, QuicksightDataSet>;
  for (const [name, columns] of Object.entries(QUICKSIGHT_DATASETS) as [
    QuicksightDataset,
    (typeof QUICKSIGHT_DATASETS)[QuicksightDataset],
  ][]) {
    const id = pascalId(name);
    const tableId = name.replace(/_/g, "-");
    const manifest = new S3Object(scope, `Quicksight${id}Manifest`, {
      bucket: o.bucket.bucketName,
      key: quicksightManifestKey(QUICKSIGHT_PREFIX, name),
      contentType: "application/json",
      content: JSON.stringify({
        fileLocations: [{ URIPrefixes: [`s3://${o.bucket.bucketName}/${QUICKSIGHT_PREFIX}${name}/`] }],
        globalUploadSettings: { format: "CSV", delimiter: ",", textqualifier: '"', containsHeader: "true" },
      }),
    });
    const source = new QuicksightDataSource(scope, `Quicksight${id}Source`, {
      count,
      dataSourceId: `${o.idPrefix}-${tableId}`,
      name: `Sales ${name.replace(/_/g, " ")}`,
      type: "S3",
      parameters: {
        s3: {
          manifestFileLocation: { bucket: o.bucket.bucketName, key: manifest.key },
          roleArn: role.arn,
        },
      },
      permission: [{ principal: o.userArn, actions: DATA_SOURCE_ACTIONS }],
      dependsOn: [manifest, ...(role.policyDependable ? [role.policyDependable] : [])],
    });
    sources.push(source);
    sets[name] = new QuicksightDataSet(scope, `Quicksight${id}DataSet`, {
      count,
      dataSetId: `${o.idPrefix}-${tableId}`,
      name: `Sales ${name.replace(/_/g, " ")}`,
      importMode: "SPICE",
      physicalTableMap: [
        {
          physicalTableMapId: tableId,
          s3Source: {
            dataSourceArn: Token.asString(`\${one(${source.fqn}[*].arn)}`),
            // S3 sources read every column as text; the logical table casts them.
            inputColumns: columns.map((c) => ({ name: c.name, type: "STRING" })),
            uploadSettings: {
              format: "CSV",
              containsHeader: true,
              delimiter: ",",
              startFromRow: 1,
              textQualifier: "DOUBLE_QUOTE",
            },
          },
        },
      ],
      logicalTableMap: [
        {
          logicalTableMapId: tableId,
          alias: name,
          source: { physicalTableId: tableId },
          dataTransforms: columns.some((c) => c.type !== "STRING")
            ? columns
                .filter((c) => c.type !== "STRING")
                .map((c) => ({ castColumnTypeOperation: { columnName: c.name, newColumnType: c.type } }))
            : undefined,
        },
      ],
      permissions: [{ principal: o.userArn, actions: DATA_SET_ACTIONS }],
    });
  }
  return { role, sources, sets, count };
}
