import type { IExecuteFunctions } from 'n8n-workflow';

/** Per execution context: the parameters read once because they are the same for every item. */
const sameForEveryItem = new WeakMap<IExecuteFunctions, Map<string, unknown>>();

/**
 * A top-level parameter's value for item `itemIndex`. A parameter that is no expression (a plain text, number or
 * boolean, or not set) has the same value for every item, so it is read once per execution: n8n's
 * `getNodeParameter` costs tens of microseconds even then, once per item. An expression is evaluated per item.
 */
export function itemParameter(context: IExecuteFunctions, name: string, itemIndex: number, fallback: unknown): unknown {
	const raw: unknown = context.getNode().parameters[name];
	const plain = raw === undefined || typeof raw === 'number' || typeof raw === 'boolean' || (typeof raw === 'string' && !raw.startsWith('='));
	if (!plain) return context.getNodeParameter(name, itemIndex, fallback);
	let values = sameForEveryItem.get(context);
	if (!values) {
		values = new Map();
		sameForEveryItem.set(context, values);
	}
	if (!values.has(name)) values.set(name, context.getNodeParameter(name, itemIndex, fallback));
	return values.get(name);
}
