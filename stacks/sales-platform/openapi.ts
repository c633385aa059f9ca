/**
 * The REST API's OpenAPI 3.0 document: the five routes of the contract (API_ROUTES), their
 * parameters and answers. The RestApi construct adds the Lambda integrations by operationId,
 * the CORS preflight answers and the security scheme.
 */
import type { OpenApiDocument, OpenApiOperation } from "../../constructs/rest-api";
import { API_LIMITS, API_ROUTES, FILE_AREAS, type OperationId } from "../../lambdas/sales-platform/contract";

const error = { $ref: "#/components/responses/Error" };
const query = (name: string, description: string, schema: Record<string, unknown>, required = false) => ({
  name,
  in: "query",
  required,
  description,
  schema,
});
const date = { type: "string", format: "date", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };
const storeId = { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" };

const OPERATIONS: Record<OperationId, Omit<OpenApiOperation, "operationId">> = {
  createUploadUrl: {
    summary: "A presigned PUT URL for a store's daily sales CSV",
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["storeId", "date"],
            properties: { storeId, date },
            additionalProperties: false,
          },
        },
      },
    },
    responses: {
      "200": { description: "The URL to PUT the file to (text/csv), its key and expiry" },
      "400": error,
    },
  },
  listFiles: {
    summary: "Files of one area (uploads, processed, rejected), optionally of one store and day",
    parameters: [
      query("area", "Which files", { type: "string", enum: [...FILE_AREAS], default: "processed" }),
      query("storeId", "Only this store's files", storeId),
      query("date", "Only this day's files (needs storeId)", date),
      query("limit", "Files per page", { type: "integer", minimum: 1, maximum: API_LIMITS.maxListFiles }),
      query("cursor", "nextCursor of the previous page", { type: "string" }),
    ],
    responses: { "200": { description: "Files and the cursor of the next page" }, "400": error },
  },
  createDownloadUrl: {
    summary: "A short-lived presigned GET URL for a file",
    parameters: [query("key", "The file's key (under uploads, processed or rejected)", { type: "string" }, true)],
    responses: {
      "200": { description: "The URL, the file's size and type" },
      "400": error,
      "403": error,
      "404": error,
    },
  },
  getAnalytics: {
    summary: "The day's analysis, or one store's day",
    parameters: [query("date", "The day", date, true), query("storeId", "One store's day instead", storeId)],
    responses: {
      "200": { description: "Company, products, anomalies, trends, recommendations" },
      "400": error,
      "404": error,
    },
  },
  getTrends: {
    summary: "Daily sales series and trend of the company or one store",
    parameters: [
      query("days", "How many days back", { type: "integer", minimum: 1, maximum: API_LIMITS.maxTrendDays }),
      query("storeId", "One store instead of the company", storeId),
      query("to", "Last day of the series (default today, UTC)", date),
    ],
    responses: { "200": { description: "The series and its trend" }, "400": error },
  },
};

export function salesApiDocument(title: string): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const [operationId, route] of Object.entries(API_ROUTES) as [OperationId, (typeof API_ROUTES)[OperationId]][]) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = { operationId, ...OPERATIONS[operationId] };
  }
  return {
    openapi: "3.0.1",
    info: {
      title,
      version: "1.0",
      description:
        "Serverless sales data platform: upload URLs for store sales files, file listing and downloads, " +
        "daily analytics and trends.",
    },
    paths,
    components: {
      responses: {
        Error: {
          description: "{ error, message }: what is wrong with the request",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { error: { type: "string" }, message: { type: "string" } },
              },
            },
          },
        },
      },
    },
  };
}
