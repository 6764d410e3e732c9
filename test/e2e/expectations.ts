/**
 * What each example workflow must produce against the demo simulators (test/simulators/demoData.ts), per pack
 * node and per order, in input order. Statuses follow the provider tables in nodes/<Provider>/statuses.ts and
 * the keyword rules in nodes/shared/keywordRules.ts.
 */
import { PITNEY_BOWES_ROUTES } from '../simulators/pitneyBowes';
import { PPL_ROUTES } from '../simulators/ppl';

export type ExpectedOrder =
	| { orderId: string; status: string; statusRaw: string; provider: string }
	| { orderId: string; error: RegExp };

export interface WorkflowExpectation {
	/** File under examples/. */
	file: string;
	workflowId: string;
	/** Pack node name → the items it must output (all its outputs together, in order). */
	nodes: Record<string, ExpectedOrder[]>;
	/** Simulator route → how many requests this workflow's run may cause (token requests: one per credential). */
	requests?: Array<{ simulator: 'ppl' | 'pitneyBowes'; route: string; count: number }>;
}

const ok = (provider: string) => (orderId: string, statusRaw: string, status: string): ExpectedOrder => ({
	orderId,
	status,
	statusRaw,
	provider,
});

const altcraft = ok('altcraft-market');
const ppl = ok('ppl-cpl');
const pb = ok('pitney-bowes-fulfillment');
const sender = ok('sender');

export const WORKFLOW_EXPECTATIONS: WorkflowExpectation[] = [
	{
		file: 'altcraft-check-orders.json',
		workflowId: 'osExAltcraft0001',
		nodes: {
			'Get Altcraft order status': [
				altcraft('SHOP-1001', 'new', 'accepted'),
				altcraft('SHOP-1002', 'paid', 'processing'),
				altcraft('SHOP-1003', 'delivered', 'delivered'),
				altcraft('SHOP-1004', 'canceled', 'cancelled'),
				altcraft('SHOP-1005', 'part_refunded', 'returned'),
				// The node's On Error is "Continue": the missing order becomes an error item in its place.
				{ orderId: 'SHOP-9999', error: /not found/i },
			],
		},
	},
	{
		file: 'ppl-check-orders.json',
		workflowId: 'osExPplCpl000001',
		nodes: {
			'Get batch import status': [
				ppl('PPL-REF-1', 'Accepted', 'pending'),
				ppl('PPL-REF-2', 'Accepted', 'pending'),
				ppl('PPL-REF-3', 'Accepted', 'pending'),
			],
			'Track orders by reference': [
				ppl('PPL-ORDER-1', 'Created', 'accepted'),
				ppl('PPL-ORDER-2', 'PickedUp', 'shipped'),
				ppl('PPL-ORDER-3', 'NotPickedUp', 'on_hold'),
				ppl('PPL-ORDER-4', 'Canceled', 'cancelled'),
			],
		},
		// Two PPL nodes, one credential: n8n keeps the token in the credential, so one token request in all.
		requests: [{ simulator: 'ppl', route: PPL_ROUTES.token, count: 1 }],
	},
	{
		file: 'pitney-bowes-check-orders.json',
		workflowId: 'osExPitneyBowes1',
		nodes: {
			'Get Pitney Bowes order status': [
				pb('PB-SIM-RECEIVED', 'RECEIVED', 'accepted'),
				pb('PB-SIM-RELEASED', 'RELEASED', 'processing'),
				pb('PB-SIM-PICKED', 'PICKED', 'processing'),
				pb('PB-SIM-PACKED', 'PACKED', 'processing'),
				pb('PB-SIM-BACKORDERED', 'BACKORDERED', 'on_hold'),
				pb('PB-SIM-PARTIALLY_SHIPPED', 'PARTIALLY_SHIPPED', 'shipped'),
				pb('PB-SIM-SHIPPED', 'SHIPPED', 'shipped'),
				pb('PB-SIM-DELIVERED', 'DELIVERED', 'delivered'),
				pb('PB-SIM-CANCELLED', 'CANCELLED', 'cancelled'),
				pb('PB-SIM-ON_HOLD', 'ON_HOLD', 'on_hold'),
				pb('PB-SIM-ZEBRA_STAGE', 'ZEBRA_STAGE', 'unknown'),
			],
		},
		requests: [{ simulator: 'pitneyBowes', route: PITNEY_BOWES_ROUTES.token, count: 1 }],
	},
	{
		file: 'sender-check-orders.json',
		workflowId: 'osExSender000001',
		nodes: {
			'Get Sender order': [
				sender('SND-DEMO-1', 'pending', 'pending'),
				sender('SND-DEMO-2', 'accepted', 'accepted'),
				sender('SND-DEMO-3', 'canceled', 'cancelled'),
			],
		},
	},
];
