/**
 * "Triggers and identifiers under attack", items 2 to 4 (item 1, the Sender Trigger, is senderTrigger.scenario.ts).
 * Every check runs the real nodes: the polling triggers through n8n-core's PollContext (test/harness/runPoll.ts,
 * the drivers of test/nodes/pollingTriggersSetup.ts), the action nodes through WorkflowExecute, each against its
 * provider simulator over HTTP.
 *
 * 2. A date in year 9999, for every polling trigger: an order the provider dates 9999-12-31 must not blind the
 *    trigger. Its later changes (dated 9999 still, or with a real time again) and every other order's changes are
 *    reported in the poll after them, once; after that order has left the trigger's memory (it keeps at most
 *    MAX_FINISHED_ORDERS final orders, and no option changes that), new orders are still reported. Pitney Bowes'
 *    search never asks for updates after the poll's own start. The item keeps the provider's date as sent.
 * 3. Long provider ids: 50 orders with 150,000-character ids through every trigger. The static data stays within
 *    what StatusMemory promises (ids over MAX_KEY_ID_LENGTH are hashed in its keys), and changes are detected.
 *    The issue's own example, 50 ids of 200 KB (10 MB in one list page, above the request layer's 8 MiB answer
 *    limit), is run as well: the poll fails with a clear error and leaves the static data as it was.
 * 4. Encoded separators and lone surrogates, for every action node: an id that goes into a URL path is refused
 *    before any request when it holds `/ \ ? # %`, is only dots, or has a lone surrogate, with an item error that
 *    names it (error output with "continue", the node's error with its itemIndex without); the run's other items
 *    succeed and no request leaves the documented route. An id that goes into a query string or a JSON body (PPL
 *    Get Status, Altcraft) arrives byte-exact, except a lone surrogate, which every node refuses.
 *
 * Provider dates in these scenarios may have second precision (Pitney Bowes documents `YYYY-MM-DDThh:mm:ssZ`):
 * a change made right after a poll started can carry the start of that poll's second.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { ALTCRAFT_PROVIDER } from '../../nodes/AltcraftMarket/api';
import { PITNEY_BOWES_PROVIDER } from '../../nodes/PitneyBowesFulfillment/api';
import { PPL_PROVIDER } from '../../nodes/PplCpl/api';
import { MAX_FINISHED_ORDERS, MAX_KEY_ID_LENGTH } from '../../nodes/shared/statusMemory';
import { capturedLogs, type CredentialStore } from '../harness/runWorkflow';
import type { PollOutcome, PollSession } from '../harness/runPoll';
import { DRIVERS, session, type TriggerDriver } from '../nodes/pollingTriggersSetup';
import type { AltcraftSimulator } from '../simulators/altcraft';
import type { SimRequest } from '../simulators/framework';
import { PITNEY_BOWES_ROUTES, type PitneyBowesSimulator } from '../simulators/pitneyBowes';
import { PPL_ROUTES, type PplOrderState, type PplSimulator } from '../simulators/ppl';
import { expectNothingLost, Ledger, type NodeLabel, type ScenarioName } from './lib/ledger';
import { configured, execute, judge, leaksIn, unclearMessage, type Case, type ExpectedStatus, type ItemGroup } from './lib/run';
import {
	altcraftTarget,
	pitneyBowesTarget,
	pplBatchTarget,
	pplOrdersTarget,
	pplSimulator,
	senderSimulator,
	senderTarget,
	type ActionTarget,
} from './lib/targets';

const FUTURE: ScenarioName = 'triggers: dates in the future';
const LONG_IDS: ScenarioName = 'triggers: long provider ids';
const IDS: ScenarioName = 'identifiers: separators and surrogates';

const ledger = new Ledger(__filename);
afterAll(() => ledger.flush());

/** How an order id reads in a message (long ones shortened, their length said). */
function named(orderId: unknown): string {
	const text = String(orderId);
	return text.length > 40 ? `"${text.slice(0, 8)}…${text.slice(-8)}" (${text.length} characters)` : JSON.stringify(text);
}

// ================================================================== the polling triggers (items 2 and 3)

const YEAR_9999 = '9999-12-31T23:59:59Z';
const YEAR_9999_MS = Date.parse(YEAR_9999);
/** The start of the second `ms` lies in: what a provider that dates to the second writes for a change then. */
const secondOf = (ms: number) => Math.floor(ms / 1000) * 1000;

/** What each trigger's provider needs for these scenarios beyond the common driver. */
interface TriggerFacts {
	/** The items' `provider` (the memory's keys start with it). */
	provider: string;
	/** Whether the trigger reads a provider update time at all (PPL's GET /order has none). */
	readsTimes: boolean;
	/** Adds an order the provider dates in year 9999. */
	addDatedFuture(orderId: string, raw: string): void;
	/** Changes such an order's status; the provider keeps dating it 9999. */
	changeKeepingFuture(orderId: string, raw: string): void;
	/** The 9999 date as the emitted item carries it, and as the provider sent it. */
	sentDate(item: IDataObject): unknown;
	sent: string;
	/**
	 * The provider no longer lists the order (archived or deleted); absent where the list holds only orders changed
	 * lately (PPL: an unchanged order is not re-recorded by the trigger either way).
	 */
	unlist?(orderId: string): void;
	/** Adds an order with this (long) id, nothing else of it long. */
	addLong(orderId: string, raw: string): void;
}

function factsFor(driver: TriggerDriver): TriggerFacts {
	switch (driver.label) {
		case 'Altcraft Market Trigger': {
			const sim = driver.sim as AltcraftSimulator;
			return {
				provider: ALTCRAFT_PROVIDER,
				readsTimes: true,
				addDatedFuture: (orderId, raw) => driver.addOrder(orderId, raw, YEAR_9999_MS),
				changeKeepingFuture: (orderId, raw) => driver.setStatus(orderId, raw, YEAR_9999_MS),
				sentDate: (item) => (item.details as IDataObject | undefined)?.updateTime,
				sent: new Date(YEAR_9999_MS).toISOString(),
				unlist(orderId) {
					const index = sim.orders.findIndex((order) => order.external_id === orderId);
					if (index >= 0) sim.orders.splice(index, 1);
				},
				addLong: (orderId, raw) => driver.addOrder(orderId, raw),
			};
		}
		case 'Pitney Bowes Fulfillment Trigger': {
			const sim = driver.sim as PitneyBowesSimulator;
			return {
				provider: PITNEY_BOWES_PROVIDER,
				readsTimes: true,
				addDatedFuture: (orderId, raw) => driver.addOrder(orderId, raw, YEAR_9999_MS),
				changeKeepingFuture: (orderId, raw) => driver.setStatus(orderId, raw, YEAR_9999_MS),
				sentDate: (item) => (item.details as IDataObject | undefined)?.pbUpdateDate,
				sent: YEAR_9999,
				unlist: (orderId) => void sim.removeOrder(orderId),
				// The simulator derives clientOrderId and customerOrderId from the order id unless told otherwise.
				addLong: (orderId, raw) =>
					void sim.addOrder({ orderId, status: raw, clientOrderId: 'SO-LONG', customerOrderId: 'WEB-LONG' }),
			};
		}
		case 'PPL CPL Trigger': {
			const sim = driver.sim as PplSimulator;
			return {
				provider: PPL_PROVIDER,
				readsTimes: false,
				// PPL's orders carry dates (send, delivery) but no update time; its server lists an order by its own
				// change time. The 9999 dates are the order's data: they must neither disturb the trigger nor be lost.
				// The order was last changed before the trigger started: only the first poll (everything up to now) and
				// the polls after its next change list it.
				addDatedFuture: (orderId, raw) =>
					void sim.addOrder({
						referenceId: orderId,
						orderState: raw as PplOrderState,
						sendDate: YEAR_9999,
						deliveryDateTime: YEAR_9999,
						changedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
					}),
				changeKeepingFuture: (orderId, raw) => driver.setStatus(orderId, raw),
				sentDate: (item) => (item.details as IDataObject | undefined)?.deliveryDateTime,
				sent: YEAR_9999,
				addLong: (orderId, raw) => driver.addOrder(orderId, raw),
			};
		}
		default:
			throw new Error(`no facts for ${driver.label}`);
	}
}

interface Polled {
	outcome: PollOutcome;
	/** The poll's own start (its `lastPollAt`), NaN when it failed. */
	startedAt: number;
	logs: string[];
	/** The requests the simulator received during the poll. */
	requests: SimRequest[];
}

async function pollOnce(driver: TriggerDriver, trigger: PollSession, what: string): Promise<Polled> {
	const label = driver.label as NodeLabel;
	const logsFrom = capturedLogs.length;
	const requestsFrom = driver.sim.requests.length;
	const before = trigger.liveStaticData;
	const outcome = await trigger.poll();
	const logs = capturedLogs.slice(logsFrom);
	const text = [
		JSON.stringify(outcome.json),
		outcome.error ? `${outcome.error.message} ${outcome.error.description ?? ''} ${JSON.stringify(outcome.error)}` : '',
		...logs,
	].join('\n');
	const leaks = leaksIn(text, driver.secrets());
	ledger.record(label, 'secrets', leaks.length === 0 ? 'correct' : 'lost', `${what}: ${leaks.length} secret value(s) visible`);
	const state = trigger.nodeStaticData('live').poll as IDataObject | undefined;
	const startedAt = outcome.error || trigger.liveStaticData === before ? NaN : Date.parse(String(state?.lastPollAt));
	return { outcome, startedAt, logs, requests: driver.sim.requests.slice(requestsFrom) };
}

/** A status change a poll must report: `from` null for a new order. */
interface Change {
	orderId: string;
	from: string | null;
	to: string;
}

/**
 * What one poll got wrong against the changes made since the last one: each reported once, from the status it
 * left, and nothing else. `reported` counts the changes reported rightly.
 */
function checkPoll(what: string, polled: Polled, expected: Change[]): { reported: number; problems: string[] } {
	const { outcome } = polled;
	if (outcome.error) return { reported: 0, problems: [`${what}: the poll failed: ${outcome.error.message.slice(0, 200)}`] };
	const problems: string[] = [];
	let reported = 0;
	const wanted = new Map(expected.map((change) => [change.orderId, change]));
	const byId = new Map<string, IDataObject[]>();
	for (const item of outcome.json) {
		const orderId = String(item.orderId);
		byId.set(orderId, [...(byId.get(orderId) ?? []), item]);
		if (!wanted.has(orderId)) {
			problems.push(`${what}: ${named(orderId)} reported ${String(item.previousStatus)} → ${String(item.status)} without a change`);
		}
	}
	for (const change of expected) {
		const items = byId.get(change.orderId) ?? [];
		const transition = `${String(change.from)} → ${change.to}`;
		if (items.length === 0) problems.push(`${what}: ${named(change.orderId)} ${transition} was not reported`);
		else if (items.length > 1) problems.push(`${what}: ${named(change.orderId)} ${transition} was reported ${items.length} times`);
		else if (items[0].previousStatus !== change.from || items[0].status !== change.to) {
			problems.push(`${what}: ${named(change.orderId)} reported ${String(items[0].previousStatus)} → ${String(items[0].status)}, the change was ${transition}`);
		} else reported++;
	}
	return { reported, problems };
}

/** Records each expected change of the poll as a case (and anything reported without a change as a loss). */
function judgePoll(label: NodeLabel, scenario: ScenarioName, what: string, polled: Polled, expected: Change[]): number {
	const { reported, problems } = checkPoll(what, polled, expected);
	for (let i = 0; i < reported; i++) ledger.record(label, scenario, 'correct');
	for (const problem of problems) ledger.record(label, scenario, 'lost', problem);
	if (expected.length === 0 && problems.length === 0) ledger.record(label, scenario, 'correct');
	return reported;
}

/** The keys of the trigger's memory (open and finished orders), from the static data the next poll reads. */
function memoryKeys(trigger: PollSession): string[] {
	const memory = (trigger.nodeStaticData('live').orderStatus ?? {}) as IDataObject;
	return [...Object.keys((memory.open ?? {}) as IDataObject), ...Object.keys((memory.finished ?? {}) as IDataObject)];
}

/** The whole workflow static data as n8n keeps it in memory and in its database, in characters of JSON. */
const staticDataBytes = (trigger: PollSession) => Math.max(trigger.liveStaticData.length, trigger.savedStaticData.length);

/**
 * What StatusMemory promises per order: one status entry and one time entry, each keyed `provider:id` with the id
 * kept up to MAX_KEY_ID_LENGTH characters and hashed beyond (`#sha256:` + 64 hex digits); 60 characters cover the
 * status or time, quotes, colon and comma of both. 2,048 more cover the poll state and the cursor.
 */
function staticDataBound(provider: string, orders: number): number {
	const key = provider.length + 1 + Math.max(MAX_KEY_ID_LENGTH, '#sha256:'.length + 64);
	return orders * (2 * key + 60) + 2048;
}

const TRIGGER_OPTIONS = { options: { maxRetries: 0 } };

describe.each(DRIVERS.map((make) => [make().label, make]))('%s', (_label, make) => {
	const driver: TriggerDriver = make();
	const label = driver.label as NodeLabel;
	const facts = factsFor(driver);
	const { raw, normalised: is } = driver;
	let store: CredentialStore;

	beforeAll(async () => await driver.start());
	afterAll(async () => await driver.stop());
	beforeEach(() => {
		driver.reset();
		store = driver.credentials();
	});

	/** Pitney Bowes: the "updated since" of every search of the poll, against the poll's start. */
	const searchesAfterStart = (polled: Polled): number[] =>
		polled.requests
			.filter((req) => req.route === PITNEY_BOWES_ROUTES.statusSearch)
			.flatMap((req) => {
				const fields = ((req.body as IDataObject | undefined)?.searchFields ?? []) as Array<{ name?: string; values?: string[] }>;
				const since = fields.find((field) => field.name === 'pbUpdateDate')?.values?.[0];
				return since === undefined ? [] : [Date.parse(since) - polled.startedAt];
			});
	/** Checks a Pitney Bowes poll's searches and cursor; returns how far past the start it asked (ms), or -Infinity. */
	function checkCursor(trigger: PollSession, polled: Polled, what: string): number {
		if (driver.label !== 'Pitney Bowes Fulfillment Trigger' || polled.outcome.error) return -Infinity;
		const past = searchesAfterStart(polled);
		const latest = Math.max(...past);
		ledger.check(
			label,
			FUTURE,
			past.every((delta) => delta <= 0),
			`${what}: a search asked for updates since ${latest / 1000} s after the poll started (the cursor jumped ahead)`,
		);
		const cursor = (trigger.nodeStaticData('live').poll as IDataObject | undefined)?.cursor as IDataObject | undefined;
		const newest = Date.parse(String(cursor?.newestUpdate));
		ledger.check(
			label,
			FUTURE,
			!(newest > polled.startedAt),
			`${what}: the cursor kept for the next poll is ${String(cursor?.newestUpdate)}, after the poll's start ${new Date(polled.startedAt).toISOString()}`,
		);
		return latest;
	}

	test('a date in year 9999: later changes of that order and of the others are reported, once, poll after poll', async () => {
		for (let n = 1; n <= 4; n++) driver.addOrder(`ORD-${n}`, raw.accepted);
		// One order the provider keeps dating 9999 through its changes, one whose next change has a real date.
		facts.addDatedFuture('FUTURE-KEPT', raw.accepted);
		facts.addDatedFuture('FUTURE-FIXED', raw.accepted);
		const trigger = session(driver, store, TRIGGER_OPTIONS);
		let latestAsk = -Infinity;
		let searches = 0;
		let expectedTotal = 0;
		let reportedTotal = 0;
		let futureExpected = 0;
		let futureReported = 0;
		const poll = async (what: string, expected: Change[]): Promise<Polled> => {
			const polled = await pollOnce(driver, trigger, what);
			const reported = judgePoll(label, FUTURE, what, polled, expected);
			expectedTotal += expected.length;
			reportedTotal += reported;
			const future = expected.filter((change) => change.orderId.startsWith('FUTURE'));
			futureExpected += future.length;
			futureReported += future.filter((change) => {
				const items = polled.outcome.json.filter((item) => item.orderId === change.orderId);
				return items.length === 1 && items[0].previousStatus === change.from && items[0].status === change.to;
			}).length;
			latestAsk = Math.max(latestAsk, checkCursor(trigger, polled, what));
			searches += driver.label === 'Pitney Bowes Fulfillment Trigger' ? searchesAfterStart(polled).length : 0;
			return polled;
		};

		const first = await poll('first poll (records only)', []);
		if (facts.readsTimes) {
			ledger.check(
				label,
				FUTURE,
				first.logs.some((line) => line.startsWith('warn') && line.includes('FUTURE-KEPT') && line.includes('after this poll started')),
				'the first poll did not log that FUTURE-KEPT is dated after the poll started',
			);
		}
		driver.setStatus('ORD-1', raw.active);
		facts.changeKeepingFuture('FUTURE-KEPT', raw.active);
		// Changed right after the first poll started, dated to the second.
		driver.setStatus('FUTURE-FIXED', raw.active, secondOf(first.startedAt));
		const second = await poll('poll 2', [
			{ orderId: 'ORD-1', from: is.accepted, to: is.active },
			{ orderId: 'FUTURE-KEPT', from: is.accepted, to: is.active },
			{ orderId: 'FUTURE-FIXED', from: is.accepted, to: is.active },
		]);
		const kept = second.outcome.json.find((item) => item.orderId === 'FUTURE-KEPT');
		if (kept) {
			ledger.check(
				label,
				FUTURE,
				facts.sentDate(kept) === facts.sent,
				`the item of FUTURE-KEPT carries ${JSON.stringify(facts.sentDate(kept))}, the provider sent ${facts.sent}`,
			);
		}

		driver.setStatus('FUTURE-FIXED', raw.onHold);
		driver.setStatus('ORD-2', raw.onHold);
		driver.addOrder('NEW-1', raw.accepted);
		await poll('poll 3', [
			{ orderId: 'FUTURE-FIXED', from: is.active, to: is.onHold },
			{ orderId: 'ORD-2', from: is.accepted, to: is.onHold },
			{ orderId: 'NEW-1', from: null, to: is.accepted },
		]);

		facts.changeKeepingFuture('FUTURE-KEPT', raw.cancelled);
		driver.setStatus('ORD-3', raw.cancelled);
		await poll('poll 4', [
			{ orderId: 'FUTURE-KEPT', from: is.active, to: is.cancelled },
			{ orderId: 'ORD-3', from: is.accepted, to: is.cancelled },
		]);
		await poll('poll 5 (quiet)', []);
		trigger.restart();
		await poll('poll 6 after a restart (quiet)', []);

		ledger.figure(label, FUTURE, 'changes reported in the poll after them, with an order dated 9999', `${reportedTotal} of ${expectedTotal} over 3 polls`, 'all, once each', reportedTotal === expectedTotal);
		ledger.figure(label, FUTURE, 'of which changes of the orders dated 9999', `${futureReported} of ${futureExpected}`, 'all', futureReported === futureExpected);
		if (driver.label === 'Pitney Bowes Fulfillment Trigger') {
			ledger.figure(
				label,
				FUTURE,
				'"updated since" of the searches, against their poll\'s start',
				`${(-latestAsk / 1000).toFixed(1)} s before it at the latest (${searches} searches)`,
				'≤ 0 s (never after the start)',
				latestAsk <= 0,
			);
		}
		expectNothingLost(ledger, label, FUTURE);
	});

	test(`the order dated 9999 leaves the memory (${MAX_FINISHED_ORDERS.toLocaleString('en')} final orders later): new orders are still reported`, async () => {
		for (let n = 1; n <= 3; n++) driver.addOrder(`ORD-${n}`, raw.accepted);
		facts.addDatedFuture('FUTURE-DONE', raw.cancelled);
		const trigger = session(driver, store, TRIGGER_OPTIONS);
		const poll = async (what: string) => {
			const polled = await pollOnce(driver, trigger, what);
			checkCursor(trigger, polled, what);
			return polled;
		};
		judgePoll(label, FUTURE, 'first poll (records only)', await poll('first poll'), []);
		judgePoll(label, FUTURE, 'poll 2 (quiet)', await poll('poll 2'), []);
		ledger.check(
			label,
			FUTURE,
			memoryKeys(trigger).some((key) => key.endsWith(':FUTURE-DONE')),
			'FUTURE-DONE is not in the memory after two polls that listed it',
		);

		// While the provider lists it dated 9999, every poll records it anew (dated just before that poll), so it stays
		// the newest entry. It ages out once no longer listed: archived, and more final orders than the memory keeps
		// arrive after it.
		facts.unlist?.('FUTURE-DONE');
		const done = Array.from({ length: MAX_FINISHED_ORDERS }, (_, i) => `DONE-${String(i + 1).padStart(4, '0')}`);
		for (const orderId of done) driver.addOrder(orderId, raw.cancelled);
		const crowd = await poll('poll 3');
		const crowdCheck = checkPoll('poll 3', crowd, done.map((orderId) => ({ orderId, from: null, to: is.cancelled })));
		ledger.check(
			label,
			FUTURE,
			crowdCheck.problems.length === 0,
			`${crowdCheck.reported} of ${done.length} new final orders reported once; ${crowdCheck.problems.slice(0, 2).join('; ')}`,
		);
		const left = !memoryKeys(trigger).some((key) => key.endsWith(':FUTURE-DONE'));
		ledger.check(label, FUTURE, left, `FUTURE-DONE is still in the memory after ${done.length} newer final orders`);

		let expected = 0;
		let reported = 0;
		const after = async (what: string, changes: Change[]) => {
			expected += changes.length;
			reported += judgePoll(label, FUTURE, what, await poll(what), changes);
		};
		for (let n = 1; n <= 3; n++) driver.addOrder(`NEW-${n}`, raw.accepted);
		driver.setStatus('ORD-1', raw.active);
		await after('poll 4', [
			{ orderId: 'NEW-1', from: null, to: is.accepted },
			{ orderId: 'NEW-2', from: null, to: is.accepted },
			{ orderId: 'NEW-3', from: null, to: is.accepted },
			{ orderId: 'ORD-1', from: is.accepted, to: is.active },
		]);
		driver.addOrder('NEW-4', raw.accepted);
		driver.setStatus('ORD-2', raw.onHold);
		await after('poll 5', [
			{ orderId: 'NEW-4', from: null, to: is.accepted },
			{ orderId: 'ORD-2', from: is.accepted, to: is.onHold },
		]);
		await after('poll 6 (quiet)', []);

		ledger.figure(
			label,
			FUTURE,
			`after the order dated 9999 left the memory (${done.length.toLocaleString('en')} final orders later)`,
			`${left ? 'left' : 'STILL IN MEMORY'}; new orders and changes reported: ${reported} of ${expected} over 2 polls`,
			'all',
			left && reported === expected,
		);
		expectNothingLost(ledger, label, FUTURE);
	});

	/** Long ids that share all but their last 7 characters (a key cut short would merge them). */
	const longIds = (count: number, length: number) =>
		Array.from({ length: count }, (_, i) => `${'L'.repeat(length - 7)}-${String(i + 1).padStart(6, '0')}`);

	test('50 orders with 150,000-character ids: the static data stays bounded in bytes, and changes are detected', async () => {
		const ids = longIds(50, 150_000);
		for (const orderId of ids) facts.addLong(orderId, raw.accepted);
		const trigger = session(driver, store, TRIGGER_OPTIONS);
		let largest = 0;
		let expected = 0;
		let reported = 0;
		const poll = async (what: string, changes: Change[]) => {
			const polled = await pollOnce(driver, trigger, what);
			largest = Math.max(largest, staticDataBytes(trigger));
			expected += changes.length;
			reported += judgePoll(label, LONG_IDS, what, polled, changes);
			return polled;
		};
		await poll('first poll (records only)', []);
		ids.slice(0, 10).forEach((orderId) => driver.setStatus(orderId, raw.active));
		ids.slice(10, 15).forEach((orderId) => driver.setStatus(orderId, raw.onHold));
		await poll('poll 2', [
			...ids.slice(0, 10).map((orderId) => ({ orderId, from: is.accepted, to: is.active })),
			...ids.slice(10, 15).map((orderId) => ({ orderId, from: is.accepted, to: is.onHold })),
		]);
		ids.slice(0, 10).forEach((orderId) => driver.setStatus(orderId, raw.cancelled));
		await poll('poll 3', ids.slice(0, 10).map((orderId) => ({ orderId, from: is.active, to: is.cancelled })));
		await poll('poll 4 (quiet)', []);
		trigger.restart();
		await poll('poll 5 after a restart (quiet)', []);

		const bound = staticDataBound(facts.provider, ids.length);
		ledger.check(label, LONG_IDS, largest <= bound, `the static data reached ${largest.toLocaleString('en')} characters, bound ${bound.toLocaleString('en')}`);
		const entries = memoryKeys(trigger).length;
		ledger.check(label, LONG_IDS, entries === ids.length, `the memory holds ${entries} entries for ${ids.length} orders`);
		ledger.figure(
			label,
			LONG_IDS,
			'static data with 50 orders of 150,000-character ids (7.5 MB of ids)',
			`${largest.toLocaleString('en')} characters of JSON, ${entries} memory entries`,
			`≤ ${bound.toLocaleString('en')} (StatusMemory's keys)`,
			largest <= bound,
		);
		ledger.figure(label, LONG_IDS, 'changes of those orders reported', `${reported} of ${expected} over 2 polls`, 'all', reported === expected);
		expectNothingLost(ledger, label, LONG_IDS);
	});

	test('50 orders with 200 KB ids (one 10 MB list page): the poll fails clearly and the static data stays as it was', async () => {
		const trigger = session(driver, store, TRIGGER_OPTIONS);
		driver.addOrder('ORD-1', raw.accepted);
		const seeded = await pollOnce(driver, trigger, 'first poll');
		ledger.check(label, LONG_IDS, seeded.outcome.error === undefined, `the first poll failed: ${seeded.outcome.error?.message}`);
		const before = trigger.liveStaticData;
		for (const orderId of longIds(50, 200 * 1024)) facts.addLong(orderId, raw.accepted);
		const polled = await pollOnce(driver, trigger, 'poll with 200 KB ids');
		const message = polled.outcome.error?.message ?? '';
		const unclear = polled.outcome.error ? unclearMessage(message) : undefined;
		if (!polled.outcome.error) {
			// Within the answer limit after all: the same guarantees as above.
			const bound = staticDataBound(facts.provider, 51);
			ledger.check(label, LONG_IDS, staticDataBytes(trigger) <= bound, `the static data reached ${staticDataBytes(trigger)} characters, bound ${bound}`);
		} else {
			ledger.record(label, LONG_IDS, unclear ? 'lost' : 'failedCleanly', `200 KB ids: ${unclear}`);
			ledger.check(label, LONG_IDS, trigger.liveStaticData === before, 'a failed poll changed the static data');
		}
		ledger.figure(
			label,
			LONG_IDS,
			'50 orders with 200 KB ids in one list page',
			polled.outcome.error ? `the poll fails: "${message.slice(0, 90)}"; static data ${staticDataBytes(trigger)} characters, unchanged` : `read; static data ${staticDataBytes(trigger)} characters`,
			'a clear error or bounded static data',
			!unclear,
		);
		expectNothingLost(ledger, label, LONG_IDS);
	});
});

// ================================================================== the action nodes (item 4)

/** How a node puts the id on the wire. */
type Placement = 'path' | 'batch path' | 'query' | 'body';
/** What kind of hostile id it is. */
type Kind = 'separator' | 'dots' | 'surrogate' | 'odd';

const HOSTILE_IDS: Array<{ name: string; id: string; kind: Kind }> = [
	{ name: 'a slash', id: 'ORD/1', kind: 'separator' },
	{ name: 'a slash climbing', id: '../__probe__', kind: 'separator' },
	{ name: 'a backslash', id: 'ORD\\1', kind: 'separator' },
	{ name: 'a question mark', id: 'ORD?clientId=EVIL', kind: 'separator' },
	{ name: 'a hash', id: 'ORD#frag', kind: 'separator' },
	{ name: 'a percent sign', id: '100%', kind: 'separator' },
	{ name: '..', id: '..', kind: 'dots' },
	{ name: '.', id: '.', kind: 'dots' },
	{ name: '..%2F..%2F__probe__', id: '..%2F..%2F__probe__', kind: 'separator' },
	{ name: '%5Cevil', id: '%5Cevil', kind: 'separator' },
	{ name: 'x%3FclientId%3DEVIL', id: 'x%3FclientId%3DEVIL', kind: 'separator' },
	{ name: '..%252f', id: '..%252f', kind: 'separator' },
	{ name: 'a lone surrogate', id: '\uD800bad', kind: 'surrogate' },
	// Odd but harmless in one encoded path segment, a query value or a JSON string: it must arrive as it is.
	{ name: 'plus, space, & and =', id: 'ORD+1 &x=y', kind: 'odd' },
];

interface IdTarget {
	target: ActionTarget;
	placement: Placement;
	/** Routes a run may use besides the order route (the token request). */
	otherRoutes: string[];
}

/**
 * The contract: a path id with a separator, only dots or a lone surrogate is refused; a PPL batch id is a UUID
 * (or the Location URL holding one), so all of these are refused; a query or body value only for a lone surrogate.
 */
function refuses(placement: Placement, kind: Kind): boolean {
	switch (placement) {
		case 'path':
			return kind !== 'odd';
		case 'batch path':
			return true;
		default:
			return kind === 'surrogate';
	}
}

const ID_TARGETS: IdTarget[] = [
	{ target: pplBatchTarget(ledger, pplSimulator()), placement: 'batch path', otherRoutes: [PPL_ROUTES.token] },
	{ target: pplOrdersTarget(ledger, pplSimulator()), placement: 'query', otherRoutes: [PPL_ROUTES.token] },
	{ target: pitneyBowesTarget(ledger), placement: 'path', otherRoutes: [PITNEY_BOWES_ROUTES.token] },
	{ target: senderTarget(ledger, senderSimulator()), placement: 'path', otherRoutes: [] },
	{ target: altcraftTarget(ledger), placement: 'body', otherRoutes: [] },
];

/** The id values of the order-route requests (a path parameter, every query value, the JSON body's id). */
function idsIn(h: IdTarget, req: SimRequest): string[] {
	switch (h.placement) {
		case 'query':
			return req.query.getAll('OrderReferences');
		case 'body': {
			const id = (req.body as IDataObject | undefined)?.external_id;
			return typeof id === 'string' ? [id] : [];
		}
		default:
			return [h.target.requestKey(req) ?? ''];
	}
}

/** One input item and what must become of it. */
interface IdCase {
	name: string;
	input: IDataObject;
	/** The identifier the item gives (what an error item names). */
	identifier: string;
	/** Statuses when it must succeed; undefined when it must be refused. */
	expected?: ExpectedStatus[];
	/** Request key(s) the simulator sees for it when it succeeds. */
	keys: string[];
}

/** The node's outputs per input item, main and error output apart. */
function itemsByInput(items: INodeExecutionData[], count: number): INodeExecutionData[][] {
	const groups: INodeExecutionData[][] = Array.from({ length: count }, () => []);
	for (const item of items) {
		const index = (item.pairedItem as { item?: number } | undefined)?.item;
		if (typeof index === 'number' && index >= 0 && index < count) groups[index].push(item);
	}
	return groups;
}

describe.each(ID_TARGETS.map((h) => [h.target.label, h]))('%s', (_label, h) => {
	const { target } = h;
	const label = target.label;
	let store: CredentialStore;
	/** Figures, added up over the tests of this node. */
	const tally = { refusedIds: 0, runs: 0, hostileRequests: 0, offRoute: 0, othersOk: 0, others: 0, exact: 0, exactOf: 0, failures: 0, failuresNamed: 0 };

	beforeAll(async () => {
		await target.sim.start();
		// One credential for all runs: PPL issues 12 tokens a minute at most.
		store = target.newStore();
	});
	afterAll(async () => {
		await target.sim.stop();
		const refusedKinds = HOSTILE_IDS.filter((entry) => refuses(h.placement, entry.kind)).length;
		ledger.figure(
			label,
			IDS,
			`requests for the ids it refuses (${refusedKinds} of ${HOSTILE_IDS.length})`,
			`${tally.hostileRequests} (over ${tally.runs} runs)`,
			'0',
			tally.hostileRequests === 0,
		);
		ledger.figure(label, IDS, 'requests off the documented route', String(tally.offRoute), '0', tally.offRoute === 0);
		ledger.figure(label, IDS, 'other items of the same run (continue on fail) that succeeded', `${tally.othersOk} of ${tally.others}`, 'all', tally.othersOk === tally.others);
		ledger.figure(label, IDS, 'node failures (no continue on fail) naming the refused item', `${tally.failuresNamed} of ${tally.failures}`, 'all', tally.failuresNamed === tally.failures);
		if (tally.exactOf > 0) {
			ledger.figure(label, IDS, `odd ids sent in the ${h.placement}, arriving byte-exact`, `${tally.exact} of ${tally.exactOf}`, 'all', tally.exact === tally.exactOf);
		}
	});

	/** Ordinary orders that must succeed around the hostile ones. */
	function goodCases(count: number): IdCase[] {
		return target.seed(count).map((entry: Case, index) => ({
			name: `ordinary item ${index}`,
			input: entry.input,
			identifier: entry.orderId,
			expected: entry.expected,
			keys: h.placement === 'query' ? [entry.orderId] : [entry.requestKey],
		}));
	}

	/** A hostile id as an input item; an order for it exists when the node must look it up. */
	function hostileCase(entry: (typeof HOSTILE_IDS)[number]): IdCase {
		const refused = refuses(h.placement, entry.kind);
		const expected = refused ? undefined : target.addOrderFor(entry.id);
		return { name: entry.name, input: { [target.inputKey]: entry.id }, identifier: entry.id, expected, keys: refused ? [] : [entry.id] };
	}

	/**
	 * Checks the requests of a run: none off the documented route, none for a refused item (any order-route request
	 * that is not exactly one of the succeeding items' counts), and the succeeding ids exactly as given.
	 */
	function checkRequests(cases: IdCase[], what: string): void {
		const { sim } = target;
		const allowed = new Set([target.route, ...h.otherRoutes]);
		// Requests no route matched are logged with the others, without a route.
		const off = sim.requests.filter((req) => req.route === undefined || !allowed.has(req.route));
		const offRoute = off.length;
		tally.offRoute += offRoute;
		ledger.check(
			label,
			IDS,
			offRoute === 0,
			`${what}: ${offRoute} request(s) off the documented route: ${off.map((req) => `${req.method} ${req.rawPath}`).join(', ').slice(0, 200)}`,
		);
		const wanted = new Map<string, IdCase>();
		for (const entry of cases) for (const key of entry.keys) wanted.set(key, entry);
		const sent = sim.requests.filter((req) => req.route === target.route);
		const asked = new Map<string, number>();
		let hostile = 0;
		const strays: string[] = [];
		for (const req of sent) {
			for (const id of idsIn(h, req)) {
				asked.set(id, (asked.get(id) ?? 0) + 1);
				if (!wanted.has(id)) {
					hostile++;
					strays.push(`${named(id)} (${req.rawPath.slice(0, 80)})`);
				}
			}
		}
		hostile += sim.unmatched.length;
		tally.hostileRequests += hostile;
		ledger.check(label, IDS, hostile === 0, `${what}: ${hostile} request(s) for refused or mangled ids: ${strays.slice(0, 3).join(', ')}`);
		// The odd ids that must travel: asked for exactly once each, exactly as given, on a well-formed request.
		for (const entry of cases.filter((c) => c.expected && HOSTILE_IDS.some((hostileId) => hostileId.id === c.identifier))) {
			const requests = sent.filter((req) => idsIn(h, req).includes(entry.identifier));
			const shapes =
				h.placement === 'query'
					? requests.map((req) => {
							const keys = [...new Set(req.query.keys())].sort().join(',');
							return keys === 'Limit,Offset,OrderReferences' ? undefined : `query keys ${keys}`;
						})
					: requests.map((req) => target.checkRequest(req, entry.identifier));
			const problem = requests.length !== 1 ? `asked ${requests.length} times` : shapes.find((shape) => shape !== undefined);
			tally.exactOf++;
			if (!problem) tally.exact++;
			ledger.check(label, IDS, problem === undefined, `${what}: ${entry.name} ${named(entry.identifier)}: ${problem}`);
		}
	}

	/** The error message of a refused item must be clear and say that nothing was sent. */
	function refusalProblem(error: IDataObject | undefined): string | undefined {
		const unclear = unclearMessage(error?.message);
		if (unclear) return unclear;
		if (!/no request was sent/i.test(`${String(error?.message)} ${String(error?.description ?? '')}`)) {
			return `the error does not say no request was sent: "${String(error?.message).slice(0, 160)}"`;
		}
		return undefined;
	}

	test('continue on fail (error output): refused ids go to the error output, named, with no request; the others succeed', async () => {
		target.reset();
		const good = goodCases(HOSTILE_IDS.length + 1);
		const cases: IdCase[] = [];
		HOSTILE_IDS.forEach((entry, index) => cases.push(good[index], hostileCase(entry)));
		cases.push(good[HOSTILE_IDS.length]);
		target.sim.resetStats();
		const workflow = configured(target.workflow, target.nodeName, { maxRetries: 0, timeout: 5000 }, 'continueErrorOutput');
		const { result } = await execute(target, workflow, store, cases.map((entry) => entry.input), 'hostile ids, error output');
		tally.runs++;
		if (result.error) {
			ledger.record(label, IDS, 'lost', `the run failed: ${result.error.message.slice(0, 200)}`);
			expectNothingLost(ledger, label, IDS);
		}
		const outputs = result.outputCount(target.nodeName);
		ledger.check(label, IDS, outputs === 2, `${outputs} outputs, expected the main and the error output`);
		const main = itemsByInput(result.output(target.nodeName, 0), cases.length);
		const errors = itemsByInput(result.output(target.nodeName, outputs - 1), cases.length);
		cases.forEach((entry, index) => {
			const where = `item ${index} (${entry.name} ${named(entry.identifier)})`;
			if (entry.expected) {
				const group: ItemGroup = { items: main[index], problems: errors[index].length > 0 ? ['it went to the error output'] : [] };
				const judged = judge(group, { orderId: entry.identifier, expected: entry.expected }, 'status');
				if (!HOSTILE_IDS.some((hostileId) => hostileId.id === entry.identifier)) {
					tally.others++;
					if (judged.outcome === 'correct') tally.othersOk++;
				}
				ledger.record(label, IDS, judged.outcome, `${where}: ${judged.problem}`);
				return;
			}
			tally.refusedIds++;
			if (main[index].length > 0 || errors[index].length !== 1) {
				ledger.record(label, IDS, 'lost', `${where}: ${main[index].length} main and ${errors[index].length} error output items, expected one error item`);
				return;
			}
			const error = errors[index][0].json.error as IDataObject | undefined;
			const problem =
				error?.orderId !== entry.identifier ? `the error item names ${named(error?.orderId)}` : refusalProblem(error);
			ledger.record(label, IDS, problem ? 'lost' : 'failedCleanly', `${where}: ${problem}`);
		});
		checkRequests(cases, 'error output');
		expectNothingLost(ledger, label, IDS);
	});

	test('without continue on fail: the node fails with the refused item\'s index, having asked nothing for it', async () => {
		for (const entry of HOSTILE_IDS.filter((candidate) => refuses(h.placement, candidate.kind))) {
			target.reset();
			const [before, after] = goodCases(2);
			const cases = [before, hostileCase(entry), after];
			target.sim.resetStats();
			const workflow = configured(target.workflow, target.nodeName, { maxRetries: 0, timeout: 5000 }, 'stopWorkflow');
			const { result } = await execute(target, workflow, store, cases.map((c) => c.input), `${entry.name}, no continue on fail`);
			tally.runs++;
			tally.failures++;
			const error = result.error as (Error & { context?: IDataObject; description?: string }) | undefined;
			const where = `${entry.name} ${named(entry.id)}`;
			let problem: string | undefined;
			if (!error) problem = 'the node did not fail';
			else if (error.context?.itemIndex !== 1) problem = `the node's error names item ${String(error.context?.itemIndex)}, the refused item is 1`;
			else problem = refusalProblem({ message: error.message, description: error.description });
			if (!problem) tally.failuresNamed++;
			ledger.record(label, IDS, problem ? 'lost' : 'failedCleanly', `${where}: ${problem}`);
			checkRequests(cases, where);
		}
		expectNothingLost(ledger, label, IDS);
	});
});
