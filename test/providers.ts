/** Test credentials with recognisable secret values: tests scan every output, error and log line for them. */
export const SECRETS = {
	altcraftToken: 'SECRET-altcraft-token-5H1x9q',
} as const;
