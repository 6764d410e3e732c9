/**
 * The workflows of the queue-mode suite and what their pack nodes must output.
 *
 * - One webhook workflow per provider action node: Webhook (POST, answers when the run ends) → Split Out
 *   (`body.orders`) → the pack node with Route by Status and Only Output Changes on ("Unchanged" output).
 *   In queue mode the main instance receives the webhook and enqueues the run; a worker runs Split Out and the
 *   pack node.
 * - An Altcraft Market Trigger (polls every minute, on the main instance) → No Op.
 * - A Sender Trigger (callback webhook with a shared secret, re-fetch verification) → No Op.
 */
export type Provider = 'altcraft' | 'ppl' | 'pitneyBowes' | 'sender';

export const PROVIDERS: Provider[] = ['altcraft', 'ppl', 'pitneyBowes', 'sender'];

/** The statuses that get their own output (Route by Status), in the order the node lists its outputs. */
export const ROUTED_STATUSES = ['accepted', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
export const OTHER_OUTPUT = ROUTED_STATUSES.length;
export const UNCHANGED_OUTPUT = ROUTED_STATUSES.length + 1;

/** Where a status item lands: its status's own output, "Other" for the rest, "Unchanged" for repeats. */
export function expectedOutput(status: string, changed: boolean): number {
	if (!changed) return UNCHANGED_OUTPUT;
	const index = (ROUTED_STATUSES as readonly string[]).indexOf(status);
	return index === -1 ? OTHER_OUTPUT : index;
}

export interface ProviderSpec {
	provider: Provider;
	/** `provider` of the output items. */
	itemProvider: string;
	workflowId: string;
	webhookPath: string;
	nodeName: string;
	nodeType: string;
	credentialType: string;
	credential: { id: string; name: string };
	/** The node's own parameters (operation and the order id expression). */
	parameters: Record<string, unknown>;
	/**
	 * Raw statuses the simulator is given and the normalised status the provider's table gives them (written from
	 * the providers' documentation, as in test/e2e/expectations.ts, not read from the pack's code).
	 */
	statuses: Array<{ raw: string; status: string }>;
	/** A later raw status for each raw status (a status change), for the memory rounds. */
	next: Record<string, string>;
	/** Order ids: letters, digits and dashes, unique per run. */
	orderId(tag: string): string;
}

export const PROVIDER_SPECS: Record<Provider, ProviderSpec> = {
	altcraft: {
		provider: 'altcraft',
		itemProvider: 'altcraft-market',
		workflowId: 'queueAltcraft001',
		webhookPath: 'queue-altcraft',
		nodeName: 'Altcraft order status',
		nodeType: 'n8n-nodes-order-status.altcraftMarket',
		credentialType: 'altcraftApi',
		credential: { id: 'demo-altcraft', name: 'Altcraft (demo simulator)' },
		parameters: { resource: 'order', operation: 'getStatus', identifyBy: 'externalId', orderId: '={{ $json.orderId }}' },
		statuses: [
			{ raw: 'new', status: 'accepted' },
			{ raw: 'paid', status: 'processing' },
			{ raw: 'delivered', status: 'delivered' },
			{ raw: 'canceled', status: 'cancelled' },
			{ raw: 'part_refunded', status: 'returned' },
		],
		next: { new: 'paid', paid: 'delivered', delivered: 'part_refunded', canceled: 'new', part_refunded: 'canceled' },
		orderId: (tag) => `ALT-${tag}`,
	},
	ppl: {
		provider: 'ppl',
		itemProvider: 'ppl-cpl',
		workflowId: 'queuePplCpl00001',
		webhookPath: 'queue-ppl',
		nodeName: 'PPL order status',
		nodeType: 'n8n-nodes-order-status.pplCpl',
		credentialType: 'pplCplApi',
		credential: { id: 'demo-ppl', name: 'PPL CPL (demo simulator)' },
		parameters: { resource: 'order', operation: 'getStatus', lookUpBy: 'orderReference', orderId: '={{ $json.orderId }}' },
		statuses: [
			{ raw: 'Created', status: 'accepted' },
			{ raw: 'PickedUp', status: 'shipped' },
			{ raw: 'NotPickedUp', status: 'on_hold' },
			{ raw: 'Canceled', status: 'cancelled' },
		],
		next: { Created: 'PickedUp', PickedUp: 'Canceled', NotPickedUp: 'Created', Canceled: 'Created' },
		orderId: (tag) => `PPL-${tag}`,
	},
	pitneyBowes: {
		provider: 'pitneyBowes',
		itemProvider: 'pitney-bowes-fulfillment',
		workflowId: 'queuePitneyB0001',
		webhookPath: 'queue-pitney-bowes',
		nodeName: 'Pitney Bowes order status',
		nodeType: 'n8n-nodes-order-status.pitneyBowesFulfillment',
		credentialType: 'pitneyBowesFulfillmentApi',
		credential: { id: 'demo-pitney-bowes', name: 'Pitney Bowes (demo simulator)' },
		parameters: { resource: 'order', operation: 'getStatus', orderId: '={{ $json.orderId }}' },
		statuses: [
			{ raw: 'RECEIVED', status: 'accepted' },
			{ raw: 'RELEASED', status: 'processing' },
			{ raw: 'SHIPPED', status: 'shipped' },
			{ raw: 'DELIVERED', status: 'delivered' },
			{ raw: 'CANCELLED', status: 'cancelled' },
			{ raw: 'ON_HOLD', status: 'on_hold' },
		],
		next: { RECEIVED: 'RELEASED', RELEASED: 'SHIPPED', SHIPPED: 'DELIVERED', DELIVERED: 'RECEIVED', CANCELLED: 'RECEIVED', ON_HOLD: 'RELEASED' },
		orderId: (tag) => `PB-${tag}`,
	},
	sender: {
		provider: 'sender',
		itemProvider: 'sender',
		workflowId: 'queueSender00001',
		webhookPath: 'queue-sender',
		nodeName: 'Sender order status',
		nodeType: 'n8n-nodes-order-status.sender',
		credentialType: 'senderApi',
		credential: { id: 'demo-sender', name: 'Sender (demo simulator)' },
		parameters: { resource: 'order', operation: 'getByReference', orderReference: '={{ $json.orderId }}' },
		statuses: [
			{ raw: 'pending', status: 'pending' },
			{ raw: 'accepted', status: 'accepted' },
			{ raw: 'canceled', status: 'cancelled' },
		],
		next: { pending: 'accepted', accepted: 'canceled', canceled: 'pending' },
		orderId: (tag) => `SND-${tag}`,
	},
};

export function normalisedOf(provider: Provider, raw: string): string {
	const entry = PROVIDER_SPECS[provider].statuses.find((candidate) => candidate.raw === raw);
	if (!entry) throw new Error(`no expected status for ${provider} raw status ${raw}`);
	return entry.status;
}

type Json = Record<string, unknown>;

function uuid(n: number): string {
	return `7a1e0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function actionWorkflow(spec: ProviderSpec, index: number): Json {
	return {
		id: spec.workflowId,
		name: `Queue suite: ${spec.nodeName}`,
		active: false,
		nodes: [
			{
				id: uuid(index * 10 + 1),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: uuid(index * 10 + 9),
				parameters: { httpMethod: 'POST', path: spec.webhookPath, responseMode: 'lastNode', responseData: 'noData', options: {} },
			},
			{
				id: uuid(index * 10 + 2),
				name: 'One item per order',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.orders', options: {} },
			},
			{
				id: uuid(index * 10 + 3),
				name: spec.nodeName,
				type: spec.nodeType,
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					...spec.parameters,
					routeByStatus: true,
					routedStatuses: [...ROUTED_STATUSES],
					onlyChanges: true,
					unchangedOrders: 'output',
					options: {},
				},
				credentials: { [spec.credentialType]: spec.credential },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'One item per order', type: 'main', index: 0 }]] },
			'One item per order': { main: [[{ node: spec.nodeName, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		pinData: {},
	};
}

export const TRIGGER_WORKFLOW_ID = 'queueAltTrigger1';
export const TRIGGER_NODE = 'Altcraft order changed';
export const TRIGGER_CREDENTIAL = { id: 'queue-altcraft-trigger', name: 'Altcraft (trigger simulator)' };

export function altcraftTriggerWorkflow(): Json {
	return {
		id: TRIGGER_WORKFLOW_ID,
		name: 'Queue suite: Altcraft Market Trigger',
		active: false,
		nodes: [
			{
				id: uuid(901),
				name: TRIGGER_NODE,
				type: 'n8n-nodes-order-status.altcraftMarketTrigger',
				typeVersion: 1,
				position: [0, 0],
				// n8n's shortest poll interval is one minute.
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, onlyStatuses: [], options: {} },
				credentials: { altcraftApi: TRIGGER_CREDENTIAL },
			},
			{ id: uuid(902), name: 'Emitted', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
		],
		connections: { [TRIGGER_NODE]: { main: [[{ node: 'Emitted', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export const SENDER_TRIGGER_WORKFLOW_ID = 'queueSenderCb001';
export const SENDER_TRIGGER_NODE = 'Sender calls back';
export const SENDER_CALLBACK_SECRET = 'queue-suite-callback-secret-5Kp';
export const SENDER_TRIGGER_WEBHOOK_ID = '7a1e0000-0000-4000-8000-00000000a5e0';

export function senderTriggerWorkflow(): Json {
	return {
		id: SENDER_TRIGGER_WORKFLOW_ID,
		name: 'Queue suite: Sender callback',
		active: false,
		nodes: [
			{
				id: uuid(951),
				name: SENDER_TRIGGER_NODE,
				type: 'n8n-nodes-order-status.senderTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: SENDER_TRIGGER_WEBHOOK_ID,
				parameters: { sharedSecret: SENDER_CALLBACK_SECRET, verifyByRefetch: true, options: {} },
				credentials: { senderApi: PROVIDER_SPECS.sender.credential },
			},
			{ id: uuid(952), name: 'Received', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
		],
		connections: { [SENDER_TRIGGER_NODE]: { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

// ---------------------------------------------------------------- Only Output Changes on the Data Table memory

export const DT_WORKFLOW_ID = 'queueDataTable01';
export const DT_REFUSED_WORKFLOW_ID = 'queueDataTableN0';
export const DT_NODE = 'Altcraft (Data Table memory)';
/** Its own Altcraft simulator, so the other phases' orders and latencies do not touch it. */
export const DT_CREDENTIAL = { id: 'queue-altcraft-dt', name: 'Altcraft (Data Table memory simulator)' };
/** The n8n API key credential of the memory: imported with a placeholder key, given a real one once the owner exists. */
export const DT_MEMORY_CREDENTIAL = { id: 'queue-memory-api', name: 'n8n API of this queue-mode n8n' };
export const DT_WEBHOOK_PATH = 'queue-data-table';
export const DT_REFUSED_WEBHOOK_PATH = 'queue-data-table-no-key';
export const DT_TABLE = 'Order status memory (queue suite)';
/** Seconds between the Schedule Trigger's ticks. */
export const DT_TICK_SECONDS = 10;
/** The orders the workflow checks on every tick, and their raw Altcraft status at the start. */
export const DT_ORDERS: Array<[string, string]> = [
	['DT-1', 'new'],
	['DT-2', 'paid'],
	['DT-3', 'new'],
	['DT-4', 'paid'],
	['DT-5', 'new'],
	['DT-6', 'new'],
];

/**
 * Schedule Trigger (every DT_TICK_SECONDS s) and a Webhook (for two executions at the same moment) → the fixed
 * list of orders → Split Out → Altcraft Market with Only Output Changes on the Data Table memory, Route by Status
 * and the Unchanged output. `withMemoryCredential: false` is the same node without the API credential (webhook only):
 * n8n refuses it its Data Table helpers, and the node must say so.
 */
export function dataTableWorkflow(withMemoryCredential: boolean): Json {
	const id = withMemoryCredential ? DT_WORKFLOW_ID : DT_REFUSED_WORKFLOW_ID;
	const base = withMemoryCredential ? 960 : 980;
	const orders = JSON.stringify({ orders: DT_ORDERS.map(([orderId]) => ({ orderId })) });
	const nodes: Json[] = [
		{
			id: uuid(base + 1),
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 200],
			webhookId: uuid(base + 9),
			parameters: {
				httpMethod: 'POST',
				path: withMemoryCredential ? DT_WEBHOOK_PATH : DT_REFUSED_WEBHOOK_PATH,
				responseMode: 'lastNode',
				responseData: 'noData',
				options: {},
			},
		},
		{
			id: uuid(base + 2),
			name: 'Orders',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 100],
			parameters: { mode: 'raw', jsonOutput: orders, options: {} },
		},
		{
			id: uuid(base + 3),
			name: 'One item per order',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [440, 100],
			parameters: { fieldToSplitOut: 'orders', options: {} },
		},
		{
			id: uuid(base + 4),
			name: DT_NODE,
			type: 'n8n-nodes-order-status.altcraftMarket',
			typeVersion: 1,
			position: [660, 100],
			parameters: {
				...PROVIDER_SPECS.altcraft.parameters,
				routeByStatus: true,
				routedStatuses: [...ROUTED_STATUSES],
				onlyChanges: true,
				unchangedOrders: 'output',
				memory: 'dataTable',
				dataTable: DT_TABLE,
				options: {},
			},
			credentials: {
				altcraftApi: DT_CREDENTIAL,
				...(withMemoryCredential ? { orderStatusMemoryApi: DT_MEMORY_CREDENTIAL } : {}),
			},
		},
	];
	const connections: Json = {
		Webhook: { main: [[{ node: 'Orders', type: 'main', index: 0 }]] },
		Orders: { main: [[{ node: 'One item per order', type: 'main', index: 0 }]] },
		'One item per order': { main: [[{ node: DT_NODE, type: 'main', index: 0 }]] },
	};
	if (withMemoryCredential) {
		nodes.unshift({
			id: uuid(base + 5),
			name: 'Schedule',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: DT_TICK_SECONDS }] } },
		});
		connections.Schedule = { main: [[{ node: 'Orders', type: 'main', index: 0 }]] };
	}
	return {
		id,
		name: withMemoryCredential ? 'Queue suite: Data Table memory (schedule)' : 'Queue suite: Data Table memory without an API key',
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all', saveManualExecutions: true },
		pinData: {},
	};
}

export const PRIMER_WORKFLOW_ID = 'queuePrimer00001';
export const PRIMER_WEBHOOK_PATH = 'queue-primer';

/** Webhook → No Op: a short execution with no pack node (see the Data Table phase: it takes one worker's turn). */
export function primerWorkflow(): Json {
	return {
		id: PRIMER_WORKFLOW_ID,
		name: 'Queue suite: primer',
		active: false,
		nodes: [
			{
				id: uuid(991),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: uuid(999),
				parameters: { httpMethod: 'POST', path: PRIMER_WEBHOOK_PATH, responseMode: 'lastNode', responseData: 'noData', options: {} },
			},
			{ id: uuid(992), name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}
