/**
 * The transient fault mix of issue 9: a share of the order requests fails as 429, 500, 502, 503, 504, a
 * connection reset or a hang longer than the node's timeout.
 *
 * Whether a request fails, and how, is decided from (seed, the order(s) it asks for, the attempt number), not from
 * the arrival order: requests of concurrent items arrive in a different order on every run, so a shared random
 * sequence would hit different orders each time. Hashing the request's key makes every order's fault sequence,
 * and so every count in the table, the same on every run with the same seed.
 */
import type { Fault, ProviderSimulator, SimRequest } from '../../simulators/framework';

export type TransientKind = '429' | '500' | '502' | '503' | '504' | 'reset' | 'hang';
export const TRANSIENT_KINDS: readonly TransientKind[] = ['429', '500', '502', '503', '504', 'reset', 'hang'];

/** FNV-1a over a text, as a number in [0, 1). */
export function unitHash(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	// One more avalanche round so that keys differing in the last character spread well.
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	return (hash >>> 0) / 4294967296;
}

export interface TransientFaultLog {
	/** Per request key, what each attempt got (a fault kind, or null for the normal answer). */
	attempts: Map<string, Array<TransientKind | null>>;
	/** Faults injected, by kind. */
	injected: Record<TransientKind, number>;
	/** Order requests the key function could not read (they are never faulted). */
	unkeyed: number;
}

export interface TransientFaultOptions {
	route: string;
	/** What a request asks for (an order id, a batch id, the ids of a grouped request). */
	keyOf: (req: SimRequest) => string | undefined;
	seed: number;
	/** Share of requests that fail (0..1). */
	ratio: number;
	/** How long a hang holds the connection before the simulator drops it (longer than the node's timeout). */
	hangMs: number;
}

/** Installs the mix on the simulator (after clearing its faults) and returns the log it fills. */
export function injectTransientMix(sim: ProviderSimulator, options: TransientFaultOptions): TransientFaultLog {
	const log: TransientFaultLog = {
		attempts: new Map(),
		injected: { '429': 0, '500': 0, '502': 0, '503': 0, '504': 0, reset: 0, hang: 0 },
		unkeyed: 0,
	};
	const decided = new WeakMap<SimRequest, TransientKind | null>();
	const decide = (req: SimRequest): TransientKind | null => {
		if (decided.has(req)) return decided.get(req)!;
		const key = options.keyOf(req);
		let kind: TransientKind | null = null;
		if (key === undefined) {
			log.unkeyed++;
		} else {
			const attempts = log.attempts.get(key) ?? [];
			const draw = unitHash(`${options.seed}|${key}|${attempts.length}`);
			if (draw < options.ratio) {
				kind = TRANSIENT_KINDS[Math.floor((draw / options.ratio) * TRANSIENT_KINDS.length)];
				log.injected[kind]++;
			}
			attempts.push(kind);
			log.attempts.set(key, attempts);
		}
		decided.set(req, kind);
		return kind;
	};

	sim.clearFaults();
	sim.reseed(options.seed);
	const rule = (kind: TransientKind, fault: Fault) =>
		sim.injectFault({ route: options.route, when: (req) => decide(req) === kind, fault });
	const status = (code: number, retryAfter?: string): Fault => ({
		kind: 'status',
		status: code,
		body: { message: `injected ${code}` },
		headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
	});
	// Rate limits and maintenance answers say when to come back (0 s keeps the run fast); the other 5xx do not,
	// so the client's own exponential backoff runs too.
	rule('429', status(429, '0'));
	rule('500', status(500));
	rule('502', status(502));
	rule('503', status(503, '0'));
	rule('504', status(504));
	rule('reset', { kind: 'reset' });
	rule('hang', { kind: 'hang', ms: options.hangMs });
	return log;
}

/** What the fault log says an order (request key) must end as, given the node's retry budget. */
export function expectedFate(
	log: TransientFaultLog,
	key: string,
	maxRetries: number,
): { fate: 'status' | 'error'; problem?: string } {
	const attempts = log.attempts.get(key);
	if (!attempts || attempts.length === 0) return { fate: 'status', problem: `no request was ever sent for ${key}` };
	const last = attempts[attempts.length - 1];
	if (last === null) {
		const faults = attempts.length - 1;
		if (faults > maxRetries) return { fate: 'status', problem: `${key}: ${faults} retries, more than the ${maxRetries} allowed` };
		return { fate: 'status' };
	}
	if (attempts.length === maxRetries + 1) return { fate: 'error' };
	return {
		fate: 'error',
		problem: `${key}: gave up after ${attempts.length} attempt(s) (${attempts.join(', ')}) although ${maxRetries} retries were allowed`,
	};
}
