/**
 * The benchmark's world: N orders per provider in the provider simulators, the simulators' latency and rate
 * limit, and the truth every variant is checked against (each order's expected normalised status, derived from
 * the simulator's data through the pack's own status tables and `mapStatus`).
 */
import { ALTCRAFT_ORDER_STATUSES } from '../nodes/AltcraftMarket/statuses';
import { PITNEY_BOWES_ORDER_STATUSES } from '../nodes/PitneyBowesFulfillment/statuses';
import { PPL_ORDER_STATES as PPL_ORDER_STATE_TABLE } from '../nodes/PplCpl/statuses';
import { mapStatus } from '../nodes/shared/mapStatus';
import type { NormalisedStatus } from '../nodes/shared/statusModel';
import { AltcraftSimulator } from '../test/simulators/altcraft';
import { DEMO_CREDENTIALS } from '../test/simulators/demoData';
import type { ProviderSimulator } from '../test/simulators/framework';
import { PITNEY_BOWES_ROUTES, PITNEY_BOWES_SAMPLE_STATUSES, PitneyBowesSimulator } from '../test/simulators/pitneyBowes';
import { PPL_ORDER_STATES, PPL_ROUTES, PplSimulator } from '../test/simulators/ppl';

export type ProviderKey = 'altcraft' | 'pitneyBowes' | 'ppl';

export const PROVIDERS: ProviderKey[] = ['altcraft', 'pitneyBowes', 'ppl'];

export const PROVIDER_LABELS: Record<ProviderKey, string> = {
	altcraft: 'Altcraft Market',
	pitneyBowes: 'Pitney Bowes',
	ppl: 'PPL CPL tracking',
};

export interface BenchSettings {
	/** Orders per provider. */
	orders: number;
	/** Simulator latency per request (ms). */
	latencyMs: number;
	/** Provider rate limit (requests per second, 429 + Retry-After above it). */
	ratePerSecond: number;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
	const number = (name: string, fallback: number) => {
		const value = Number(env[name]);
		return Number.isFinite(value) && value > 0 ? value : fallback;
	};
	return {
		orders: Math.floor(number('BENCH_N', 1000)),
		latencyMs: number('BENCH_LATENCY_MS', 50),
		ratePerSecond: number('BENCH_RATE', 50),
	};
}

/** Order ids, e.g. ALT-0001, as every variant's input items carry them (`orderId`). */
export const ID_PREFIX: Record<ProviderKey, string> = { altcraft: 'ALT-', pitneyBowes: 'PB-', ppl: 'PPL-' };

export function orderId(provider: ProviderKey, index: number, total: number): string {
	return `${ID_PREFIX[provider]}${String(index + 1).padStart(Math.max(4, String(total).length), '0')}`;
}

export interface OrderTruth {
	orderId: string;
	raw: string;
	expected: NormalisedStatus;
}

export interface BenchSimulators {
	altcraft: AltcraftSimulator;
	pitneyBowes: PitneyBowesSimulator;
	ppl: PplSimulator;
}

export interface BenchWorld {
	settings: BenchSettings;
	sims: BenchSimulators;
	urls: Record<ProviderKey, string>;
	truth: Record<ProviderKey, Map<string, OrderTruth>>;
	/** The provider's token route, for providers with one. */
	tokenRoute: Partial<Record<ProviderKey, string>>;
	/** Retry-After values of the 429 answers sent since the last reset, per provider. */
	retryAfterSeen: Record<ProviderKey, Record<string, number>>;
	/** When each 429 was sent (epoch milliseconds). */
	rateLimitedAt: Record<ProviderKey, number[]>;
	stop(): Promise<void>;
}

const ALTCRAFT_VALUES = Object.keys(ALTCRAFT_ORDER_STATUSES); // new, paid, delivered, canceled, part_refunded

/**
 * Starts the three simulators on `ports` (0 = any free port) with `settings.orders` orders each. Statuses cycle
 * through each provider's values: Altcraft's five documented ones, Pitney Bowes' eleven sample values (made up
 * apart from ON_HOLD; ON_HOLD orders are on hold, as PB's example shows) and PPL's five order states.
 */
export async function startWorld(settings: BenchSettings, ports: Partial<Record<ProviderKey, number>> = {}): Promise<BenchWorld> {
	const n = settings.orders;
	const truth = { altcraft: new Map(), pitneyBowes: new Map(), ppl: new Map() } as BenchWorld['truth'];

	const altcraft = new AltcraftSimulator({ token: DEMO_CREDENTIALS.altcraft.apiToken });
	for (let i = 0; i < n; i++) {
		const id = orderId('altcraft', i, n);
		const raw = ALTCRAFT_VALUES[i % ALTCRAFT_VALUES.length];
		altcraft.addOrder({ id: i + 1, external_id: id, status: raw, endpoint: 'website' });
		truth.altcraft.set(id, { orderId: id, raw, expected: mapStatus({ raw, providerTable: ALTCRAFT_ORDER_STATUSES }).status });
	}

	const pitneyBowes = new PitneyBowesSimulator({
		apiKey: DEMO_CREDENTIALS.pitneyBowes.apiKey,
		apiSecret: DEMO_CREDENTIALS.pitneyBowes.apiSecret,
		clientId: DEMO_CREDENTIALS.pitneyBowes.clientId,
	});
	for (let i = 0; i < n; i++) {
		const id = orderId('pitneyBowes', i, n);
		const raw = PITNEY_BOWES_SAMPLE_STATUSES[i % PITNEY_BOWES_SAMPLE_STATUSES.length];
		const order = pitneyBowes.addOrder({ orderId: id, status: raw, holdReason: raw === 'ON_HOLD' ? ['INVENTORY_HOLD'] : [] });
		const mapped = mapStatus({
			raw,
			providerTable: PITNEY_BOWES_ORDER_STATUSES,
			override: order.isOnHold ? 'on_hold' : undefined,
		});
		truth.pitneyBowes.set(id, { orderId: id, raw, expected: mapped.status });
	}

	const ppl = new PplSimulator({ clientId: DEMO_CREDENTIALS.ppl.clientId, clientSecret: DEMO_CREDENTIALS.ppl.clientSecret });
	ppl.setOrders(
		Array.from({ length: n }, (_, i) => ({
			referenceId: orderId('ppl', i, n),
			orderState: PPL_ORDER_STATES[i % PPL_ORDER_STATES.length],
		})),
	);
	for (const order of ppl.listAllOrders()) {
		truth.ppl.set(order.referenceId, {
			orderId: order.referenceId,
			raw: order.orderState,
			expected: mapStatus({ raw: order.orderState, providerTable: PPL_ORDER_STATE_TABLE }).status,
		});
	}

	const sims: BenchSimulators = { altcraft, pitneyBowes, ppl };
	const urls = {} as Record<ProviderKey, string>;
	const retryAfterSeen = { altcraft: {}, pitneyBowes: {}, ppl: {} } as BenchWorld['retryAfterSeen'];
	const rateLimitedAt: BenchWorld['rateLimitedAt'] = { altcraft: [], pitneyBowes: [], ppl: [] };
	for (const provider of PROVIDERS) {
		const sim: ProviderSimulator = sims[provider];
		sim.latencyMs = settings.latencyMs;
		sim.rateLimit = { limit: settings.ratePerSecond, windowMs: 1000 };
		// Arrival times of every request: idle gaps show pauses (Retry-After, batching intervals).
		sim.maxLoggedRequests = 50_000;
		recordRetryAfter(sim, retryAfterSeen[provider], rateLimitedAt[provider]);
		urls[provider] = await startOn(sim, ports[provider] ?? 0);
	}
	return {
		settings,
		sims,
		urls,
		truth,
		tokenRoute: { pitneyBowes: PITNEY_BOWES_ROUTES.token, ppl: PPL_ROUTES.token },
		retryAfterSeen,
		rateLimitedAt,
		stop: async () => {
			await Promise.all(PROVIDERS.map(async (provider) => await sims[provider].stop()));
		},
	};
}

/** Counts the Retry-After header of every 429 the simulator sends (the framework sets it, the node obeys it). */
function recordRetryAfter(sim: ProviderSimulator, seen: Record<string, number>, at: number[]): void {
	const target = sim as unknown as { send: (res: unknown, response: { status: number; headers?: Record<string, string> }) => void };
	const send = target.send.bind(sim);
	target.send = (res, response) => {
		if (response.status === 429) {
			const value = response.headers?.['retry-after'] ?? 'none';
			seen[value] = (seen[value] ?? 0) + 1;
			at.push(Date.now());
		}
		send(res, response);
	};
}

/** Starts on the preferred port, or on any free one when it is taken. */
async function startOn(sim: ProviderSimulator, port: number): Promise<string> {
	try {
		return await sim.start(port);
	} catch (error) {
		if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
		return await sim.start(0);
	}
}

/** Clears every counter (and the rate-limit window, the PPL token budget) between two variants. */
export function resetCounters(world: BenchWorld): void {
	for (const provider of PROVIDERS) {
		world.sims[provider].resetStats();
		for (const key of Object.keys(world.retryAfterSeen[provider])) delete world.retryAfterSeen[provider][key];
		world.rateLimitedAt[provider].length = 0;
	}
}

export interface SimulatorCounts {
	/** Every request the simulator received (token requests included). */
	requests: number;
	/** Token requests. */
	tokenRequests: number;
	/** 429 answers. */
	rateLimited: number;
	maxConcurrent: number;
	byStatus: Record<string, number>;
	/** PPL only: consecutive requests closer than PPL's documented 40 ms. */
	gapsUnder40ms?: number;
	/** PPL only: the smallest gap between two consecutive arrivals (ms). */
	minGapMs?: number;
}

export function countsOf(world: BenchWorld, provider: ProviderKey): SimulatorCounts {
	const sim: ProviderSimulator = world.sims[provider];
	const tokenRoute = world.tokenRoute[provider];
	const counts: SimulatorCounts = {
		requests: sim.stats.requests,
		tokenRequests: tokenRoute ? sim.count(tokenRoute) : 0,
		rateLimited: sim.stats.rateLimited,
		maxConcurrent: sim.stats.maxConcurrent,
		byStatus: { ...sim.stats.byStatus },
	};
	if (provider === 'ppl') {
		const { gapsUnder40ms, minGapMs } = world.sims.ppl.getCounters();
		counts.gapsUnder40ms = gapsUnder40ms;
		if (minGapMs !== null) counts.minGapMs = minGapMs;
	}
	return counts;
}

export interface Timeline {
	/** Seconds from the first to the last request arrival. */
	spanSeconds: number;
	/** Epoch milliseconds of the first and the last request arrival (0 without requests). */
	firstAt: number;
	lastAt: number;
	/** Idle gaps of at least `minGapMs` between consecutive arrivals (Retry-After pauses, batching intervals). */
	idleGaps: number;
	idleSeconds: number;
	/** The Retry-After values the simulator sent, in seconds, with their counts. */
	retryAfter: Record<string, number>;
	/**
	 * The 429s in bursts (429s less than a second apart), each with its start in seconds after the first request
	 * and how many requests had arrived in the second before it.
	 */
	rateLimitBursts: Array<{ atSeconds: number; count: number; arrivedInSecondBefore: number }>;
	/** Requests that arrived after the last idle gap (all of them without one), and their rate per second. */
	steadyRequests: number;
	steadyRate: number;
	/** The most requests that arrived within any one second after the last idle gap (the paced phase for A). */
	steadyPeakPerSecond: number;
}

/** Reads the simulator's request log: when requests arrived, and the pauses between them. */
export function timelineOf(world: BenchWorld, provider: ProviderKey, minGapMs = 250): Timeline {
	const sim: ProviderSimulator = world.sims[provider];
	const times = sim.requests.map((request) => request.receivedAt).sort((a, b) => a - b);
	let idleGaps = 0;
	let idleMs = 0;
	let steadyFrom = 0;
	for (let i = 1; i < times.length; i++) {
		const gap = times[i] - times[i - 1];
		if (gap >= minGapMs) {
			idleGaps++;
			idleMs += gap;
			steadyFrom = i;
		}
	}
	const steadyRequests = times.length - steadyFrom;
	let steadyPeakPerSecond = 0;
	for (let first = steadyFrom, last = steadyFrom; last < times.length; last++) {
		while (times[last] - times[first] >= 1000) first++;
		steadyPeakPerSecond = Math.max(steadyPeakPerSecond, last - first + 1);
	}
	const steadySpan = (times[times.length - 1] - times[steadyFrom]) / 1000;
	const rateLimitBursts: Timeline['rateLimitBursts'] = [];
	let burstEnd = -Infinity;
	for (const at of [...world.rateLimitedAt[provider]].sort((a, b) => a - b)) {
		if (at - burstEnd < 1000 && rateLimitBursts.length > 0) {
			rateLimitBursts[rateLimitBursts.length - 1].count++;
		} else {
			// The 429 is sent after the simulated latency: the request it refused arrived that much earlier.
			const arrived = at - world.settings.latencyMs;
			rateLimitBursts.push({
				atSeconds: (arrived - (times[0] ?? arrived)) / 1000,
				count: 1,
				arrivedInSecondBefore: times.filter((time) => time >= arrived - 1000 && time < arrived).length,
			});
		}
		burstEnd = at;
	}
	const retryAfter: Record<string, number> = {};
	for (const [value, count] of Object.entries(world.retryAfterSeen[provider])) retryAfter[value] = count;
	return {
		spanSeconds: times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : 0,
		firstAt: times[0] ?? 0,
		lastAt: times[times.length - 1] ?? 0,
		idleGaps,
		idleSeconds: idleMs / 1000,
		retryAfter,
		rateLimitBursts,
		steadyRequests,
		// n requests span n − 1 intervals.
		steadyRate: steadyRequests > 1 && steadySpan > 0 ? (steadyRequests - 1) / steadySpan : 0,
		steadyPeakPerSecond,
	};
}
