import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { optionsCollection } from '../shared/commonOptions';
import { executeStatusCheck } from '../shared/runStatusCheck';
import { ROUTING_PROPERTIES, STATUS_NODE_OUTPUTS } from '../shared/statusRouting';
import { PITNEY_BOWES_GET_STATUS } from './api';

export class PitneyBowesFulfillment implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pitney Bowes Fulfillment',
		name: 'pitneyBowesFulfillment',
		icon: { light: 'file:../../icons/pitneyBowes.svg', dark: 'file:../../icons/pitneyBowes.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation's label ("Get Status"), not its value: one entry per operation option below.
		subtitle: '={{ $parameter["operation"] === "getStatus" ? "Get Status" : $parameter["operation"] }}',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/pitney-bowes-fulfillment.md',
		description: 'Get the status of Pitney Bowes Fulfillment orders as one normalised status',
		defaults: { name: 'Pitney Bowes Fulfillment' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: STATUS_NODE_OUTPUTS,
		credentials: [
			{ name: 'pitneyBowesFulfillmentApi', required: true },
			{
				// Only Output Changes with its memory in a Data Table, through n8n's API (see nodes/shared/dataTableAccess.ts).
				name: 'orderStatusMemoryApi',
				required: false,
				displayOptions: { show: { onlyChanges: [true], memory: ['dataTable'] } },
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Order', value: 'order' }],
				default: 'order',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['order'] } },
				options: [
					{
						name: 'Get Status',
						value: 'getStatus',
						description: 'Get the status of an order by the order ID Pitney Bowes assigned',
						action: 'Get the status of an order',
					},
				],
				default: 'getStatus',
			},
			{
				displayName: 'Order ID',
				name: 'orderId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. 1234567890',
				description:
					'The order ID Pitney Bowes assigned (not your own order number), usually an expression reading it from the item',
				displayOptions: { show: { resource: ['order'], operation: ['getStatus'] } },
			},
			...ROUTING_PROPERTIES,
			optionsCollection([
				{
					displayName: 'Brand',
					name: 'brand',
					type: 'string',
					default: '',
					placeholder: 'e.g. MYBRAND',
					description:
						'The brand the order belongs to, for accounts with several brands (sent as the brand query parameter)',
				},
			]),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeStatusCheck.call(this, PITNEY_BOWES_GET_STATUS);
	}
}
