/**
 * The benchmark's workflows, per provider:
 *
 * - A: the pack's node with its defaults (only the order id expression and the credential set);
 * - AL: A with Max Requests per Second set to the provider's limit (what a user who knows the limit sets);
 * - B: what a user builds first without the pack: n8n's HTTP Request node with default settings (token as the
 *   provider wants it: Altcraft's in the JSON body as a literal; Pitney Bowes / PPL from a token request HTTP
 *   Request node placed first) and a Code node with a small switch that maps the provider's values;
 * - C: B tuned as a careful user would: HTTP Request "Batching" (50 items per batch, 1000 ms apart: the
 *   provider's 50 requests/second) and the node setting "Retry On Fail" (3 tries, 1000 ms apart, n8n's defaults
 *   once it is switched on).
 *
 * Every workflow starts the same way: Manual Trigger → "Orders to check" (Edit Fields: an `orders` array built by
 * an expression) → "One item per order" (Split Out). bench/workflows/ holds them as generated for the standard
 * bench ports (run.ts rewrites the base URLs when a port was taken).
 */
import { DEMO_CREDENTIALS } from '../test/simulators/demoData';
import { CREDENTIAL_REFS } from '../test/e2e/credentials';
import { ID_PREFIX, type ProviderKey } from './world';

export type Variant = 'A' | 'AL' | 'B' | 'C';

export const VARIANTS: Variant[] = ['A', 'AL', 'B', 'C'];

/** The variants of the pack's node. */
export const PACK_VARIANTS: readonly Variant[] = ['A', 'AL'];

export const VARIANT_LABELS: Record<Variant, string> = {
	A: 'pack node, defaults',
	AL: 'pack node, rate limit set',
	B: 'HTTP Request + Code, defaults',
	C: 'HTTP Request + Code, batching + retry',
};

/** The standard ports of the bench simulators (the committed workflows use them). */
export const BENCH_PORTS: Record<ProviderKey, number> = { altcraft: 4201, pitneyBowes: 4203, ppl: 4202 };

export function standardUrls(): Record<ProviderKey, string> {
	return {
		altcraft: `http://127.0.0.1:${BENCH_PORTS.altcraft}`,
		pitneyBowes: `http://127.0.0.1:${BENCH_PORTS.pitneyBowes}`,
		ppl: `http://127.0.0.1:${BENCH_PORTS.ppl}`,
	};
}

/** The Basic Auth credential a user creates for Pitney Bowes' token endpoint (API key : secret). */
export const PB_BASIC_CREDENTIAL = {
	id: 'bench-pb-basic',
	name: 'Pitney Bowes key and secret (Basic Auth)',
	type: 'httpBasicAuth',
	data: { user: DEMO_CREDENTIALS.pitneyBowes.apiKey, password: DEMO_CREDENTIALS.pitneyBowes.apiSecret },
};

/** C's HTTP Request batching: the provider's rate as "items per batch" per "batch interval". */
export function batchingFor(ratePerSecond: number): { batchSize: number; batchInterval: number } {
	return { batchSize: Math.max(1, Math.floor(ratePerSecond)), batchInterval: 1000 };
}

/** The node the benchmark reads the result from. */
export const RESULT_NODE: Record<Variant, string> = { A: 'Check status', AL: 'Check status', B: 'Map status', C: 'Map status' };
/** The node whose run time is the status check itself (for A the same node). */
export const REQUEST_NODE: Record<Variant, string> = { A: 'Check status', AL: 'Check status', B: 'Get status', C: 'Get status' };

export function workflowId(provider: ProviderKey, variant: Variant): string {
	const short = { altcraft: 'Altcraft', pitneyBowes: 'PitneyB', ppl: 'Ppl' }[provider];
	// n8n's ids are 16 characters of [A-Za-z0-9], e.g. benchAltcraftA00.
	return `bench${short}${variant}`.padEnd(16, '0');
}

type Json = Record<string, unknown>;

interface NodeJson {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Json;
	credentials?: Record<string, { id: string; name: string }>;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

function uuid(provider: ProviderKey, variant: Variant, index: number): string {
	const p = { altcraft: 1, pitneyBowes: 2, ppl: 3 }[provider];
	const v = { A: 1, B: 2, C: 3, AL: 4 }[variant];
	return `be0c4000-0000-4000-8000-${String(p * 10000 + v * 1000 + index).padStart(12, '0')}`;
}

function connect(names: string[]): Json {
	const connections: Json = {};
	for (let i = 0; i < names.length - 1; i++) {
		connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
	}
	return connections;
}

/** `orders` = N objects `{ orderId }`, built by an expression so the workflow stays small. */
function ordersExpression(provider: ProviderKey, orders: number): string {
	const width = Math.max(4, String(orders).length);
	return `={{ Array.from({ length: ${orders} }, (_, i) => ({ orderId: '${ID_PREFIX[provider]}' + String(i + 1).padStart(${width}, '0') })) }}`;
}

function header(provider: ProviderKey, variant: Variant, orders: number, tokenNode?: NodeJson): NodeJson[] {
	const nodes: NodeJson[] = [
		{
			id: uuid(provider, variant, 1),
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
	];
	if (tokenNode) nodes.push(tokenNode);
	nodes.push(
		{
			id: uuid(provider, variant, 3),
			name: 'Orders to check',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [440, 0],
			parameters: {
				assignments: {
					assignments: [{ id: uuid(provider, variant, 30), name: 'orders', value: ordersExpression(provider, orders), type: 'array' }],
				},
				options: {},
			},
		},
		{
			id: uuid(provider, variant, 4),
			name: 'One item per order',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [660, 0],
			parameters: { fieldToSplitOut: 'orders', options: {} },
		},
	);
	return nodes;
}

// ---------------------------------------------------------------- A: the pack's node

const PACK_NODE: Record<ProviderKey, { type: string; credential: keyof typeof CREDENTIAL_REFS; parameters: Json }> = {
	altcraft: {
		type: 'n8n-nodes-order-status.altcraftMarket',
		credential: 'altcraftApi',
		parameters: { resource: 'order', operation: 'getStatus', identifyBy: 'externalId', orderId: '={{ $json.orderId }}', options: {} },
	},
	pitneyBowes: {
		type: 'n8n-nodes-order-status.pitneyBowesFulfillment',
		credential: 'pitneyBowesFulfillmentApi',
		parameters: { resource: 'order', operation: 'getStatus', orderId: '={{ $json.orderId }}', options: {} },
	},
	ppl: {
		type: 'n8n-nodes-order-status.pplCpl',
		credential: 'pplCplApi',
		parameters: { resource: 'order', operation: 'getStatus', lookUpBy: 'orderReference', orderId: '={{ $json.orderId }}', options: {} },
	},
};

/** A, or with `ratePerSecond` AL: the node with Max Requests per Second set to the provider's limit. */
function packWorkflow(provider: ProviderKey, variant: 'A' | 'AL', orders: number, ratePerSecond: number): NodeJson[] {
	const pack = PACK_NODE[provider];
	const parameters = variant === 'AL' ? { ...pack.parameters, options: { maxRequestsPerSecond: ratePerSecond } } : pack.parameters;
	return [
		...header(provider, variant, orders),
		{
			id: uuid(provider, variant, 5),
			name: RESULT_NODE[variant],
			type: pack.type,
			typeVersion: 1,
			position: [880, 0],
			parameters,
			credentials: { [pack.credential]: { ...CREDENTIAL_REFS[pack.credential] } },
		},
	];
}

// ---------------------------------------------------------------- B and C: HTTP Request + Code

/** The Code node a user writes: a small switch over the provider's values (no keyword rules, no hold flag). */
const MAPPING_CODE: Record<ProviderKey, string> = {
	altcraft: `// Altcraft answers { error, error_text, result: { endpoint, status } }: the order id is on the input item.
return $input.all().map((item, i) => {
  const orderId = $('One item per order').itemMatching(i).json.orderId;
  const raw = item.json.result ? item.json.result.status : undefined;
  let status;
  switch (raw) {
    case 'new': status = 'accepted'; break;
    case 'paid': status = 'processing'; break;
    case 'delivered': status = 'delivered'; break;
    case 'canceled': status = 'cancelled'; break;
    case 'part_refunded': status = 'returned'; break;
    default: status = 'unknown';
  }
  return { json: { orderId, statusRaw: raw, status } };
});`,
	pitneyBowes: `// Pitney Bowes does not publish its status values: map the ones we have seen.
return $input.all().map((item) => {
  const raw = item.json.status;
  let status;
  switch (raw) {
    case 'RECEIVED': status = 'accepted'; break;
    case 'PICKED':
    case 'PACKED': status = 'processing'; break;
    case 'SHIPPED': status = 'shipped'; break;
    case 'DELIVERED': status = 'delivered'; break;
    case 'CANCELLED': status = 'cancelled'; break;
    case 'ON_HOLD': status = 'on_hold'; break;
    default: status = 'unknown';
  }
  return { json: { orderId: item.json.orderId, statusRaw: raw, status } };
});`,
	ppl: `// PPL's orderState (GET /order answers a list: one item per order found).
return $input.all().map((item) => {
  const raw = item.json.orderState;
  let status;
  switch (raw) {
    case 'None': status = 'pending'; break;
    case 'Created': status = 'accepted'; break;
    case 'PickedUp': status = 'shipped'; break;
    case 'NotPickedUp': status = 'on_hold'; break;
    case 'Canceled': status = 'cancelled'; break;
    default: status = 'unknown';
  }
  return { json: { orderId: item.json.referenceId, statusRaw: raw, status } };
});`,
};

function parameters(entries: Array<[string, string]>): Json {
	return { parameters: entries.map(([name, value]) => ({ name, value })) };
}

function tokenNode(provider: ProviderKey, variant: Variant, urls: Record<ProviderKey, string>): NodeJson | undefined {
	const base = { id: uuid(provider, variant, 2), name: 'Get token', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.5, position: [220, 0] as [number, number] };
	if (provider === 'pitneyBowes') {
		return {
			...base,
			parameters: {
				method: 'POST',
				url: `${urls.pitneyBowes}/oauth/token`,
				authentication: 'genericCredentialType',
				genericAuthType: 'httpBasicAuth',
				sendBody: true,
				contentType: 'form-urlencoded',
				bodyParameters: parameters([['grant_type', 'client_credentials']]),
				options: {},
			},
			credentials: { httpBasicAuth: { id: PB_BASIC_CREDENTIAL.id, name: PB_BASIC_CREDENTIAL.name } },
		};
	}
	if (provider === 'ppl') {
		return {
			...base,
			parameters: {
				method: 'POST',
				url: `${urls.ppl}/login/getAccessToken`,
				sendBody: true,
				contentType: 'form-urlencoded',
				bodyParameters: parameters([
					['grant_type', 'client_credentials'],
					['client_id', DEMO_CREDENTIALS.ppl.clientId],
					['client_secret', DEMO_CREDENTIALS.ppl.clientSecret],
					['scope', 'myapi2'],
				]),
				options: {},
			},
		};
	}
	return undefined;
}

const BEARER = "=Bearer {{ $('Get token').item.json.access_token }}";

function statusRequest(provider: ProviderKey, urls: Record<ProviderKey, string>): Json {
	switch (provider) {
		case 'altcraft':
			return {
				method: 'POST',
				url: `${urls.altcraft}/api/v1.1/market/orders/get_status`,
				sendBody: true,
				bodyParameters: parameters([
					['token', DEMO_CREDENTIALS.altcraft.apiToken],
					['external_id', '={{ $json.orderId }}'],
				]),
			};
		case 'pitneyBowes':
			return {
				url: `=${urls.pitneyBowes}/shippingservices/fulfillment/v1/orders/{{ $json.orderId }}/status`,
				sendQuery: true,
				queryParameters: parameters([['clientId', DEMO_CREDENTIALS.pitneyBowes.clientId]]),
				sendHeaders: true,
				headerParameters: parameters([
					['Authorization', BEARER],
					['X-PB-TransactionId', '=n8n-{{ $execution.id }}-{{ $itemIndex }}'],
				]),
			};
		case 'ppl':
			return {
				url: `${urls.ppl}/order`,
				sendQuery: true,
				queryParameters: parameters([
					['OrderReferences', '={{ $json.orderId }}'],
					['Limit', '1000'],
					['Offset', '0'],
				]),
				sendHeaders: true,
				headerParameters: parameters([['Authorization', BEARER]]),
			};
	}
}

function httpWorkflow(provider: ProviderKey, variant: 'B' | 'C', orders: number, urls: Record<ProviderKey, string>, ratePerSecond: number): NodeJson[] {
	const options: Json = variant === 'C' ? { batching: { batch: batchingFor(ratePerSecond) } } : {};
	const request: NodeJson = {
		id: uuid(provider, variant, 5),
		name: REQUEST_NODE[variant],
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.5,
		position: [880, 0],
		parameters: { ...statusRequest(provider, urls), options },
	};
	if (variant === 'C') Object.assign(request, { retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 });
	return [
		...header(provider, variant, orders, tokenNode(provider, variant, urls)),
		request,
		{
			id: uuid(provider, variant, 6),
			name: RESULT_NODE[variant],
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [1100, 0],
			parameters: { jsCode: MAPPING_CODE[provider] },
		},
	];
}

export interface WorkflowFile {
	id: string;
	name: string;
	nodes: NodeJson[];
	connections: Json;
	active: false;
	settings: Json;
	pinData: Json;
}

export function buildWorkflow(
	provider: ProviderKey,
	variant: Variant,
	settings: { orders: number; ratePerSecond: number },
	urls: Record<ProviderKey, string> = standardUrls(),
): WorkflowFile {
	const nodes =
		variant === 'A' || variant === 'AL'
			? packWorkflow(provider, variant, settings.orders, settings.ratePerSecond)
			: httpWorkflow(provider, variant, settings.orders, urls, settings.ratePerSecond);
	const label = { altcraft: 'Altcraft Market', pitneyBowes: 'Pitney Bowes', ppl: 'PPL CPL tracking' }[provider];
	return {
		id: workflowId(provider, variant),
		name: `Bench ${variant}: ${label} — ${VARIANT_LABELS[variant]} (${settings.orders} orders)`,
		nodes,
		connections: connect(nodes.map((node) => node.name)),
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/**
 * Calibration: n8n's own cost of one per-item expression (`{{ $json.orderId }}` in an Edit Fields node) for the
 * same N items. Every variant evaluates at least one such expression per order (the order id), so this is a
 * floor under every variant's time that the provider's limit does not count.
 */
export const CALIBRATION = { id: 'benchExpression0', file: 'calibration-expression.json', node: 'Read order id' };

export function calibrationWorkflow(orders: number): WorkflowFile {
	const nodes: NodeJson[] = [
		...header('altcraft', 'A', orders).map((node) => ({ ...node, id: node.id.replace('be0c4000', 'be0c4c00') })),
		{
			id: 'be0c4c00-0000-4000-8000-000000000099',
			name: CALIBRATION.node,
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [880, 0],
			parameters: {
				assignments: { assignments: [{ id: 'be0c4c00-0000-4000-8000-000000000098', name: 'id', value: '={{ $json.orderId }}', type: 'string' }] },
				options: {},
			},
		},
	];
	return {
		id: CALIBRATION.id,
		name: `Bench calibration: one per-item expression for ${orders} items`,
		nodes,
		connections: connect(nodes.map((node) => node.name)),
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export function workflowFileName(provider: ProviderKey, variant: Variant): string {
	const slug = { altcraft: 'altcraft', pitneyBowes: 'pitney-bowes', ppl: 'ppl' }[provider];
	return `${slug}-${variant}.json`;
}
