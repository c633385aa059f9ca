/**
 * True when the SDK is pointed at a custom endpoint (a local emulator) through the standard
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 variables, which the SDK itself honours. Real AWS sets
 * neither, so anything keyed on this never applies there.
 */
export function customS3Endpoint(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
}
