/**
 * The OpenAI API key, read lazily from its SSM SecureString parameter (WithDecryption) on the
 * first invocation that needs it, then cached for the container's life. A failed read is not
 * cached, and a key the endpoint rejects is forgotten (`forgetApiKey`), so a rotated key is
 * picked up without a cold start. The key itself never reaches a log or an error message.
 */
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { ssm } from "../../shared/clients/ssm";
import { errorName } from "../../shared/errors";
import { AgentConfigurationError } from "./errors";

let cached: { name: string; value: Promise<string> } | undefined;
let reads = 0;

/** How many times this container read the parameter (for the cache's tests and logs). */
export function apiKeyReads(): number {
  return reads;
}

/** The key stored in parameter `name`; the first call reads SSM, later calls share its answer. */
export function openaiApiKey(name: string, client: SSMClient = ssm()): Promise<string> {
  if (cached && cached.name === name) return cached.value;
  reads++;
  const value = client.send(new GetParameterCommand({ Name: name, WithDecryption: true })).then(
    (out) => {
      const key = out.Parameter?.Value?.trim();
      if (!key) throw new AgentConfigurationError(`the OpenAI API key parameter ${name} is empty`);
      if (/\s/.test(key)) throw new AgentConfigurationError(`the OpenAI API key in ${name} contains whitespace`);
      return key;
    },
    (err: unknown) => {
      const kind = errorName(err);
      if (kind === "ParameterNotFound") {
        throw new AgentConfigurationError(`the OpenAI API key parameter ${name} does not exist`);
      }
      if (kind === "AccessDeniedException" || kind === "AccessDenied") {
        // AWS's message names the refused action (ssm:GetParameter, or kms:Decrypt) and never the key.
        const why = err instanceof Error && err.message ? `: ${err.message}` : "";
        throw new AgentConfigurationError(`the agent may not read the OpenAI API key parameter ${name}${why}`);
      }
      throw new AgentConfigurationError(`could not read the OpenAI API key parameter ${name} (${kind ?? "error"})`);
    },
  );
  const entry = { name, value };
  cached = entry;
  value.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return value;
}

/** Drops the cached key: the next invocation reads the parameter again. */
export function forgetApiKey(): void {
  cached = undefined;
}
