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
import { DEFAULT_OVERLAP_SECONDS, PPL_ORDER_WINDOW } from './orderWindow';

export class PplCplTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PPL CPL Trigger',
		name: 'pplCplTrigger',
		icon: { light: 'file:../../icons/ppl.svg', dark: 'file:../../icons/ppl.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: TRIGGER_SUBTITLE,
		// n8n's node creator shows one entry for this trigger and the PPL CPL node, with the trigger's description:
		// it speaks for both.
		description:
			'Get the status of PPL CZ orders and order imports as one normalised status, or start a workflow when an order changes',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/ppl-cpl-trigger.md',
		defaults: { name: 'PPL CPL Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pplCplApi', required: true }],
		properties: [
			ONLY_STATUSES_PROPERTY,
			triggerOptionsCollection([
				{
					displayName: 'Overlap (Seconds)',
					name: 'overlapSeconds',
					type: 'number',
					typeOptions: { minValue: 0 },
					default: DEFAULT_OVERLAP_SECONDS,
					description:
						'Each poll asks for orders changed since the end of the last poll\'s window minus this much, for clock differences and late listings. Orders seen twice are emitted once.',
				},
			]),
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollOrderTransitions(this, PPL_ORDER_WINDOW);
	}
}
