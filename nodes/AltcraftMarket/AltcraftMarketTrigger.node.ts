import {
	NodeConnectionTypes,
	type INodeExecutionData,
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
import { ALTCRAFT_ORDER_LIST } from './orderList';

export class AltcraftMarketTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Altcraft Market Trigger',
		name: 'altcraftMarketTrigger',
		icon: { light: 'file:../../icons/altcraft.svg', dark: 'file:../../icons/altcraft.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: TRIGGER_SUBTITLE,
		// n8n's node creator shows one entry for this trigger and the Altcraft Market node, with the trigger's
		// description: it speaks for both.
		description: 'Get the status of Altcraft Market orders as one normalised status, or start a workflow when it changes',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/altcraft-market-trigger.md',
		defaults: { name: 'Altcraft Market Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'altcraftApi', required: true }],
		properties: [
			{
				displayName:
					'Altcraft\'s order list cannot be filtered by status or date, so every poll reads all orders (of the touchpoint, if set) and emits those whose status changed. Choose a poll interval that suits the number of orders.',
				name: 'listNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Touchpoint',
				name: 'touchpoint',
				type: 'string',
				default: '',
				placeholder: 'e.g. website',
				description: 'Watch only the orders of this touchpoint (its ID, sent as endpoint). Leave empty for all.',
			},
			ONLY_STATUSES_PROPERTY,
			triggerOptionsCollection(),
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollOrderTransitions(this, ALTCRAFT_ORDER_LIST);
	}
}
