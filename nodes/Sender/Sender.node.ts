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
import { SENDER_GET_BY_REFERENCE } from './api';

export class Sender implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sender',
		name: 'sender',
		icon: { light: 'file:../../icons/sender.svg', dark: 'file:../../icons/sender.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation's label ("Get Status"), not its value: one entry per operation option below.
		subtitle: '={{ $parameter["operation"] === "getByReference" ? "Get by Reference" : $parameter["operation"] }}',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/sender.md',
		description: 'Get the status, label and tracking number of Sender shipping orders as one normalised status',
		defaults: { name: 'Sender' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: STATUS_NODE_OUTPUTS,
		credentials: [
			{ name: 'senderApi', required: true },
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
						name: 'Get by Reference',
						value: 'getByReference',
						description: 'Get the status, label, tracking number and pickup time of an order',
						action: 'Get an order by reference',
					},
				],
				default: 'getByReference',
			},
			{
				displayName: 'Order Reference',
				name: 'orderReference',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. SND-000123',
				description:
					'The order reference Sender returned when the order was placed; usually an expression that reads it from the incoming item',
				displayOptions: { show: { resource: ['order'], operation: ['getByReference'] } },
			},
			...ROUTING_PROPERTIES,
			optionsCollection(),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeStatusCheck.call(this, SENDER_GET_BY_REFERENCE);
	}
}
