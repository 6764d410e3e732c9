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
import { ALTCRAFT_GET_STATUS } from './api';

export class AltcraftMarket implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Altcraft Market',
		name: 'altcraftMarket',
		icon: { light: 'file:../../icons/altcraft.svg', dark: 'file:../../icons/altcraft.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation's label ("Get Status"), not its value: one entry per operation option below.
		subtitle: '={{ $parameter["operation"] === "getStatus" ? "Get Status" : $parameter["operation"] }}',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/altcraft-market.md',
		description: 'Get the status of Altcraft Market orders as one normalised status',
		defaults: { name: 'Altcraft Market' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: STATUS_NODE_OUTPUTS,
		credentials: [
			{ name: 'altcraftApi', required: true },
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
						description: 'Get the status of an order by its external or internal ID',
						action: 'Get the status of an order',
					},
				],
				default: 'getStatus',
			},
			{
				displayName: 'Identify Order By',
				name: 'identifyBy',
				type: 'options',
				displayOptions: { show: { resource: ['order'], operation: ['getStatus'] } },
				options: [
					{
						name: 'External ID',
						value: 'externalId',
						description: "Your shop's order number, sent as external_id when the order was imported",
					},
					{
						name: 'Internal ID',
						value: 'id',
						description: "Altcraft's own numeric order ID",
					},
				],
				default: 'externalId',
			},
			{
				displayName: 'Order ID',
				name: 'orderId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. A598t32D',
				description: 'The order to check; usually an expression that reads it from the incoming item',
				displayOptions: { show: { resource: ['order'], operation: ['getStatus'] } },
			},
			...ROUTING_PROPERTIES,
			optionsCollection(),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeStatusCheck.call(this, ALTCRAFT_GET_STATUS);
	}
}
