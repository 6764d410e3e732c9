/**
 * Token refresh for one execution, single-flight and bounded. When requests are refused for an expired token,
 * the first to notice refreshes it (n8n runs the credential's preAuthentication, whose token request has its own
 * hard deadline, and retries that request); requests refused meanwhile wait for that refresh and are sent again.
 * A request refused with a token older than the last refresh is simply sent again. After `maxRefreshes` the
 * credential itself is taken to be wrong.
 */

/** How many times one execution may refresh a token before it concludes the credential itself is wrong. */
export const MAX_TOKEN_REFRESHES = 3;

export type Recovery<T> = { kind: 'resend' } | { kind: 'response'; response: T };

export class TokenRefresh<T> {
	/** Bumped after every refresh: a refusal of a request sent before the bump is stale, just resend. */
	private generation = 0;
	private refreshing?: Promise<T>;
	private refreshes = 0;

	constructor(private readonly maxRefreshes = MAX_TOKEN_REFRESHES) {}

	/** The token generation a request is sent under (note it before sending). */
	get current(): number {
		return this.generation;
	}

	get count(): number {
		return this.refreshes;
	}

	/**
	 * A request sent under `generation` was refused for an expired token. Resolves with `resend` (a refresh
	 * happened since, or another request's refresh finished: whether it failed is for the caller to check), or
	 * with the answer of the request `refresh` sent with a fresh token. `refresh`'s failure is thrown to the
	 * request that ran it; `exhausted` is thrown once the refreshes are used up.
	 */
	async recover(generation: number, refresh: () => Promise<T>, exhausted: () => Error): Promise<Recovery<T>> {
		if (generation !== this.generation) return { kind: 'resend' };
		if (this.refreshing) {
			await this.refreshing.catch(() => undefined);
			return { kind: 'resend' };
		}
		if (this.refreshes >= this.maxRefreshes) throw exhausted();
		this.refreshes++;
		this.refreshing = (async () => {
			try {
				return await refresh();
			} finally {
				this.generation++;
				this.refreshing = undefined;
			}
		})();
		return { kind: 'response', response: await this.refreshing };
	}
}
