import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { ssm } from "../../shared/clients/ssm";
import { SECRET_CACHE_TTL_MS } from "../contract";

let cached: { name: string; value: Promise<string>; fetchedAt: number } | undefined;

/**
 * The webhook secret from the SSM SecureString parameter `name` (WithDecryption), cached per
 * container for SECRET_CACHE_TTL_MS so a rotation is picked up. A failed fetch is not cached.
 */
export function webhookSecret(name: string, now = Date.now()): Promise<string> {
  if (cached && cached.name === name && now - cached.fetchedAt < SECRET_CACHE_TTL_MS) return cached.value;
  const value = ssm()
    .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
    .then((out) => {
      const secret = out.Parameter?.Value;
      if (!secret) throw new Error(`SSM parameter ${name} has no value`);
      return secret;
    });
  const entry = { name, value, fetchedAt: now };
  cached = entry;
  value.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return value;
}
