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
import { DEFAULT_LANGUAGE, PPL_GET_BATCH_STATUS, PPL_GET_ORDER_STATUS } from './api';

export class PplCpl implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PPL CPL',
		name: 'pplCpl',
		icon: { light: 'file:../../icons/ppl.svg', dark: 'file:../../icons/ppl.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation's label ("Get Status"), not its value: one entry per operation option below.
		subtitle: '={{ $parameter["operation"] === "getBatchStatus" ? "Get Batch Status" : $parameter["operation"] === "getStatus" ? "Get Status" : $parameter["operation"] }}',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/ppl-cpl.md',
		description: 'Get the status of PPL CZ orders and order imports as one normalised status',
		defaults: { name: 'PPL CPL' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: STATUS_NODE_OUTPUTS,
		credentials: [
			{ name: 'pplCplApi', required: true },
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
						name: 'Get Batch Status',
						value: 'getBatchStatus',
						description:
							'Get the import state of every order in a batch sent with POST /order/batch (one item per order)',
						action: 'Get the import status of an order batch',
					},
					{
						name: 'Get Status',
						value: 'getStatus',
						description: 'Track orders by reference, number or customer reference (50 orders per request)',
						action: 'Get the status of an order',
					},
				],
				default: 'getStatus',
			},
			{
				displayName: 'Look Up By',
				name: 'lookUpBy',
				type: 'options',
				displayOptions: { show: { resource: ['order'], operation: ['getStatus'] } },
				options: [
					{
						name: 'Customer Reference',
						value: 'customerReference',
						description: 'Your customer reference stored with the order',
					},
					{
						name: 'Order Number',
						value: 'orderNumber',
						description: "PPL's order number",
					},
					{
						name: 'Order Reference',
						value: 'orderReference',
						description: 'The referenceId you sent when you created the order',
					},
				],
				default: 'orderReference',
			},
			{
				displayName: 'Order ID',
				name: 'orderId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. ORDER-2025-0001',
				description:
					'The order reference, order number or customer reference to look up (as chosen above); usually an expression that reads it from the incoming item',
				displayOptions: { show: { resource: ['order'], operation: ['getStatus'] } },
			},
			{
				displayName: 'Batch ID',
				name: 'batchId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6',
				description:
					'The batch ID, or the whole Location URL that PPL returned when the batch was created (POST /order/batch)',
				displayOptions: { show: { resource: ['order'], operation: ['getBatchStatus'] } },
			},
			...ROUTING_PROPERTIES,
			optionsCollection([
				{
					displayName: 'Language',
					name: 'language',
					type: 'options',
					options: [
						{ name: 'Czech', value: 'cs-CZ' },
						{ name: 'English', value: 'en-US' },
					],
					default: DEFAULT_LANGUAGE,
					description: "Language of PPL's texts, such as import error messages (sent as Accept-Language)",
				},
			]),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		return operation === 'getBatchStatus'
			? await executeStatusCheck.call(this, PPL_GET_BATCH_STATUS)
			: await executeStatusCheck.call(this, PPL_GET_ORDER_STATUS);
	}
}
