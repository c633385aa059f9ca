// HTTP to the local cloud as a user's client sends it: to the URL a stack outputs, Host header
// included (`http://<id>.execute-api.localhost:<port>/...`), optionally signed with SigV4 as an
// IAM-authorized caller signs it. Node's resolver cannot resolve `*.localhost`, so the request
// goes to 127.0.0.1 at the URL's port with the URL's host in the Host header, which is what curl
// does for `*.localhost` names.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";

/** SHA-256 and HMAC-SHA-256 for @smithy/signature-v4, from node:crypto. */
export class Sha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body, shaped by each caller
  json: () => any;
}

export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface HttpCall {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sign with SigV4 (service `execute-api` unless given) in `region` with these keys. */
  sign?: { region: string; credentials: SigningKeys; service?: string };
  timeoutMs?: number;
}

/** One request to `url` (a local cloud URL, any Host form); the whole answer, never thrown on status. */
export async function httpCall(url: string, options: HttpCall = {}): Promise<HttpReply> {
  const target = new URL(url);
  const method = options.method ?? "GET";
  const body = typeof options.body === "string" ? Buffer.from(options.body) : options.body;
  let headers: Record<string, string> = {
    host: target.host,
    ...(body !== undefined ? { "content-length": String(body.length) } : {}),
    ...(options.headers ?? {}),
  };
  if (options.sign) {
    const signer = new SignatureV4({
      service: options.sign.service ?? "execute-api",
      region: options.sign.region,
      credentials: options.sign.credentials,
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    target.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    const signed = await signer.sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query,
      headers,
      body,
    });
    headers = signed.headers as Record<string, string>;
  }
  const local = target.hostname.endsWith(".localhost") || target.hostname === "localhost";
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: local ? "127.0.0.1" : target.hostname,
        port: target.port || 80,
        method,
        path: target.pathname + target.search,
        headers,
        setHost: false,
        timeout: options.timeoutMs ?? 60_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString("utf8");
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            raw,
            json: () => {
              try {
                return JSON.parse(text);
              } catch {
                throw new Error(
                  `${method} ${url} answered ${response.statusCode} with a body that is not JSON: ${text.slice(0, 300)}`,
                );
              }
            },
          });
        });
      },
    );
    request.on("timeout", () =>
      request.destroy(new Error(`${method} ${url}: no answer in ${options.timeoutMs ?? 60_000} ms`)),
    );
    request.on("error", reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}
