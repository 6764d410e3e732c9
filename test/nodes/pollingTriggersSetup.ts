/**
 * One driver per polling trigger, so that every trigger rule is tested the same way against its real
 * simulator: how to start it, add and change orders, where its list pages, and how to break the second page.
 */
import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, type WorkflowJson } from '../harness/runWorkflow';
import { PollSession, type PollSessionOptions } from '../harness/runPoll';
import { ALTCRAFT_ROUTES, AltcraftSimulator } from '../simulators/altcraft';
import type { FaultRule, ProviderSimulator, SimRequest } from '../simulators/framework';
import { pbDate, PITNEY_BOWES_ROUTES, PitneyBowesSimulator } from '../simulators/pitneyBowes';
import { PPL_ROUTES, PplSimulator, type PplOrderState } from '../simulators/ppl';
import { SECRETS } from '../providers';

/** Normalised statuses every driver can produce, by role in the scenarios. */
export interface StatusRoles {
	/** A new order. */
	accepted: string;
	/** A second status in progress. */
	active: string;
	onHold: string;
	/** A final status. */
	cancelled: string;
}

export interface TriggerDriver {
	label: string;
	nodeName: string;
	nodeType: string;
	/** Raw provider values for each role, and what they normalise to. */
	raw: StatusRoles;
	normalised: StatusRoles;
	/** Rows per list request: a scenario needs more orders than this for a second page. */
	pageSize: number;
	/** Orders to add for two pages or more. */
	twoPages: number;
	sim: ProviderSimulator;
	start(): Promise<void>;
	stop(): Promise<void>;
	/** Empties orders, faults and counters. */
	reset(): void;
	credentials(): CredentialStore;
	/** Adds an order; its update time is `at` when given (else now). */
	addOrder(orderId: string, raw: string, at?: number): void;
	/** Changes an order's status; the provider's update time moves (to `at` when given). */
	setStatus(orderId: string, raw: string, at?: number): void;
	/** The list route, for fault rules and counts. */
	listRoute: string;
	/** A fault that answers the poll's second list request with a 500. */
	failSecondPage(): FaultRule;
	/** Every value that must never be visible (credential secrets, issued tokens). */
	secrets(): string[];
}

const id = (prefix: string, n: number) => `${prefix}-${String(n).padStart(4, '0')}`;

/** A rule that matches only the n-th request of a route after it was added. */
function nthRequest(route: string, n: number, status = 500, body: unknown = { error: 'injected' }): FaultRule {
	let seen = 0;
	return {
		route,
		when: () => ++seen === n,
		times: 1,
		fault: { kind: 'status', status, body },
	};
}

function bearerTokensOf(requests: SimRequest[]): string[] {
	return requests
		.map((request) => request.headers.authorization)
		.filter((header): header is string => typeof header === 'string' && header.startsWith('Bearer '))
		.map((header) => header.slice('Bearer '.length));
}

export function altcraftDriver(): TriggerDriver {
	const sim = new AltcraftSimulator({ token: SECRETS.altcraftToken });
	return {
		label: 'Altcraft Market Trigger',
		nodeName: 'Altcraft Market Trigger',
		nodeType: 'n8n-nodes-order-status.altcraftMarketTrigger',
		raw: { accepted: 'new', active: 'paid', onHold: 'on_hold', cancelled: 'canceled' },
		normalised: { accepted: 'accepted', active: 'processing', onHold: 'on_hold', cancelled: 'cancelled' },
		pageSize: 100,
		twoPages: 150,
		sim,
		start: async () => void (await sim.start()),
		stop: async () => await sim.stop(),
		reset() {
			sim.orders.length = 0;
			sim.clearFaults();
			sim.resetStats();
		},
		credentials() {
			const store = new CredentialStore();
			store.add({
				id: 'altcraft-1',
				name: 'Altcraft test account',
				type: 'altcraftApi',
				data: { baseUrl: sim.url, apiToken: SECRETS.altcraftToken },
			});
			return store;
		},
		addOrder: (orderId, raw, at) =>
			void sim.addOrder({
				external_id: orderId,
				status: raw,
				...(at === undefined ? {} : { update_time: new Date(at).toISOString() }),
			}),
		setStatus(orderId, raw, at) {
			sim.setStatus(orderId, raw);
			if (at !== undefined) sim.orders.find((order) => order.external_id === orderId)!.update_time = new Date(at).toISOString();
		},
		listRoute: ALTCRAFT_ROUTES.list,
		failSecondPage: () => nthRequest(ALTCRAFT_ROUTES.list, 2),
		secrets: () => [SECRETS.altcraftToken],
	};
}

const PB_KEY = 'KEY-pb-trigger-key-6R2';
const PB_SECRET = 'SECRET-pb-trigger-secret-2W7';

export function pitneyBowesDriver(): TriggerDriver {
	const sim = new PitneyBowesSimulator({ apiKey: PB_KEY, apiSecret: PB_SECRET, clientId: 'MYCLIENT' });
	return {
		label: 'Pitney Bowes Fulfillment Trigger',
		nodeName: 'Pitney Bowes Fulfillment Trigger',
		nodeType: 'n8n-nodes-order-status.pitneyBowesFulfillmentTrigger',
		raw: { accepted: 'RECEIVED', active: 'SHIPPED', onHold: 'ON_HOLD', cancelled: 'CANCELLED' },
		normalised: { accepted: 'accepted', active: 'shipped', onHold: 'on_hold', cancelled: 'cancelled' },
		pageSize: 100,
		twoPages: 150,
		sim,
		start: async () => void (await sim.start()),
		stop: async () => await sim.stop(),
		reset() {
			sim.clearOrders();
			sim.clearFaults();
			sim.resetStats();
		},
		credentials() {
			const store = new CredentialStore();
			store.add({
				id: 'pitney-bowes-1',
				name: 'Pitney Bowes test account',
				type: 'pitneyBowesFulfillmentApi',
				data: {
					environment: 'custom',
					baseUrl: sim.url,
					apiKey: PB_KEY,
					apiSecret: PB_SECRET,
					clientId: 'MYCLIENT',
					accessToken: '',
				},
			});
			return store;
		},
		addOrder: (orderId, raw, at) =>
			void sim.addOrder({ orderId, status: raw, ...(at === undefined ? {} : { pbUpdateDate: pbDate(at) }) }),
		setStatus: (orderId, raw, at) => void sim.setStatus(orderId, raw, at === undefined ? {} : { at }),
		listRoute: PITNEY_BOWES_ROUTES.statusSearch,
		failSecondPage: () =>
			nthRequest(PITNEY_BOWES_ROUTES.statusSearch, 2, 500, {
				errors: [{ errorCode: '8000500', errorDescription: 'Internal server error' }],
			}),
		secrets: () => [PB_KEY, PB_SECRET, Buffer.from(`${PB_KEY}:${PB_SECRET}`).toString('base64'), ...bearerTokensOf(sim.requests)],
	};
}

const PPL_CLIENT_ID = 'ppl-trigger-client-4711';
const PPL_SECRET = 'SECRET-ppl-trigger-secret-8J3';

export function pplDriver(): TriggerDriver {
	const sim = new PplSimulator({ clientId: PPL_CLIENT_ID, clientSecret: PPL_SECRET });
	return {
		label: 'PPL CPL Trigger',
		nodeName: 'PPL CPL Trigger',
		nodeType: 'n8n-nodes-order-status.pplCplTrigger',
		raw: { accepted: 'Created', active: 'PickedUp', onHold: 'NotPickedUp', cancelled: 'Canceled' },
		normalised: { accepted: 'accepted', active: 'shipped', onHold: 'on_hold', cancelled: 'cancelled' },
		pageSize: 1000,
		twoPages: 1100,
		sim,
		start: async () => void (await sim.start()),
		stop: async () => await sim.stop(),
		reset() {
			sim.setOrders([]);
			sim.clearFaults();
			sim.resetStats();
			// Every test has a fresh credential, so a fresh token: stay under PPL's 12 tokens a minute.
			sim.resetTokenLimit();
		},
		credentials() {
			const store = new CredentialStore();
			store.add({
				id: 'ppl-1',
				name: 'PPL sandbox',
				type: 'pplCplApi',
				data: {
					environment: 'custom',
					baseUrl: sim.url,
					clientId: PPL_CLIENT_ID,
					clientSecret: PPL_SECRET,
					accessToken: '',
				},
			});
			return store;
		},
		addOrder: (orderId, raw, at) =>
			void sim.addOrder({
				referenceId: orderId,
				orderState: raw as PplOrderState,
				...(at === undefined ? {} : { changedAt: new Date(at).toISOString() }),
			}),
		setStatus: (orderId, raw, at) =>
			void sim.setOrderState(orderId, raw as PplOrderState, at === undefined ? {} : { changedAt: new Date(at).toISOString() }),
		listRoute: PPL_ROUTES.orders,
		failSecondPage: () => nthRequest(PPL_ROUTES.orders, 2, 500, { title: 'Internal Server Error', status: 500 }),
		secrets: () => [PPL_SECRET, ...sim.issuedTokens],
	};
}

export const DRIVERS: Array<() => TriggerDriver> = [altcraftDriver, pitneyBowesDriver, pplDriver];

/** A workflow with just the trigger, as n8n saves it. */
export function triggerWorkflow(driver: TriggerDriver, parameters: IDataObject = {}): WorkflowJson {
	const credentialType = {
		'Altcraft Market Trigger': { altcraftApi: { id: 'altcraft-1', name: 'Altcraft test account' } },
		'Pitney Bowes Fulfillment Trigger': {
			pitneyBowesFulfillmentApi: { id: 'pitney-bowes-1', name: 'Pitney Bowes test account' },
		},
		'PPL CPL Trigger': { pplCplApi: { id: 'ppl-1', name: 'PPL sandbox' } },
	}[driver.nodeName];
	return {
		name: `${driver.label} test`,
		nodes: [
			{
				id: 'trigger-1',
				name: driver.nodeName,
				type: driver.nodeType,
				typeVersion: 1,
				position: [0, 0],
				parameters: { options: {}, ...parameters },
				credentials: credentialType,
			},
		],
		connections: {},
	} as WorkflowJson;
}

export function session(
	driver: TriggerDriver,
	store: CredentialStore,
	parameters: IDataObject = {},
	options: Partial<PollSessionOptions> = {},
): PollSession {
	return new PollSession(triggerWorkflow(driver, parameters), { credentials: store, ...options });
}

export { id };
