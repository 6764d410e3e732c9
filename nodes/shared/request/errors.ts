/** A provider request that failed for good (after any retries). Carries nothing secret. */
export class ProviderError extends Error {
	constructor(
		message: string,
		readonly details: {
			httpCode?: string;
			providerCode?: string;
			description?: string;
			/** The failure is the credential's, not the item's (wrong secret, token endpoint down). */
			authentication?: boolean;
			/** A 2xx answer the provider's parser could not use (HTML, cut-off JSON, wrong shape): worth a retry. */
			unreadable?: boolean;
		} = {},
	) {
		super(message);
		this.name = 'ProviderError';
	}
}

/** Network codes of a request that got no complete answer in time. */
export const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

export const NETWORK_MESSAGES: Record<string, string> = {
	ECONNABORTED: 'the request timed out',
	ETIMEDOUT: 'the request timed out',
	ESOCKETTIMEDOUT: 'the request timed out',
	ECONNRESET: 'the connection was reset',
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be resolved',
	ERR_CANCELED: 'the execution was cancelled',
};

/**
 * The failure's own message. n8n wraps what a credential's preAuthentication throws in a NodeApiError, which
 * replaces a message mentioning a common network code (ECONNRESET, ETIMEDOUT, ...) with a generic text and keeps
 * the original error as `cause`.
 */
export function originalMessage(error: unknown): string {
	const cause = (error as { cause?: unknown })?.cause;
	if (cause instanceof Error && cause.message) return cause.message;
	return error instanceof Error ? error.message : String(error);
}

export function retriedNote(retries: number): string {
	return retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
}
