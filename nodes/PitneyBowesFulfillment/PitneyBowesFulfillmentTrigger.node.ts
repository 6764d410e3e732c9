import {
	NodeConnectionTypes,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	ONLY_STATUSES_PROPERTY,
	pollOrderTransitions,
	TRIGGER_SUBTITLE,
	triggerOptionsCollection,
} from '../shared/pollTransitions';
import { DEFAULT_OVERLAP_SECONDS, PITNEY_BOWES_ORDER_SEARCH } from './orderSearch';

const TRIGGER_OPTIONS: INodeProperties[] = [
	{
		displayName: 'Brand',
		name: 'brand',
		type: 'string',
		default: '',
		placeholder: 'e.g. MYBRAND',
		description: 'Watch only the orders of this brand, for accounts with several brands',
	},
	{
		displayName: 'Overlap (Seconds)',
		name: 'overlapSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: DEFAULT_OVERLAP_SECONDS,
		description:
			'Each poll asks again for orders updated this long before the newest update already seen, for updates listed late or within the same second. Orders seen twice are emitted once.',
	},
];

export class PitneyBowesFulfillmentTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pitney Bowes Fulfillment Trigger',
		name: 'pitneyBowesFulfillmentTrigger',
		icon: { light: 'file:../../icons/pitneyBowes.svg', dark: 'file:../../icons/pitneyBowes.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: TRIGGER_SUBTITLE,
		// n8n's node creator shows one entry for this trigger and the Pitney Bowes Fulfillment node, with the
		// trigger's description: it speaks for both.
		description:
			'Get the status of Pitney Bowes Fulfillment orders as one normalised status, or start a workflow when it changes',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/pitney-bowes-fulfillment-trigger.md',
		defaults: { name: 'Pitney Bowes Fulfillment Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pitneyBowesFulfillmentApi', required: true }],
		properties: [ONLY_STATUSES_PROPERTY, triggerOptionsCollection(TRIGGER_OPTIONS)],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollOrderTransitions(this, PITNEY_BOWES_ORDER_SEARCH);
	}
}
