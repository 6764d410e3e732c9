/**
 * What the editor shows about each pack node before it runs: the subtitle under its name, the text of the node
 * creator, the Docs link of the node's panel and the options' labels. The rules n8n's editor applies are
 * restated here from its source (packages/frontend/editor-ui):
 * - subtitle: `useNodeHelpers().getNodeSubtitle` evaluates the description's `subtitle` expression with the
 *   node's parameters (`workflow.expression.getSimpleParameterValue(node, subtitle, 'internal', {})`);
 * - node creator: `useActionsGenerator().generateMergedNodesAndActions` shows a trigger `<name>Trigger` and an
 *   action node `<name>` that has actions as ONE entry, whose description is the trigger's;
 * - Docs link: `useNodeDocsUrl` takes the description's `documentationUrl` when it is an http(s) URL, else the
 *   codex's `resources.primaryDocumentation[0].url`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { INode, INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import { loadPackNodes, PACKAGE_JSON, PACKAGE_NAME, ROOT } from '../harness/packTypes';
import { buildWorkflow } from '../harness/runWorkflow';

const descriptions = [...loadPackNodes().values()].map((type) => type.description as INodeTypeDescription);
const byName = new Map(descriptions.map((description) => [description.name, description]));
const actionNodes = descriptions.filter((description) => !description.group.includes('trigger'));
const triggerNodes = descriptions.filter((description) => description.group.includes('trigger'));

const repository = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string } })
	.repository.url.replace(/^git\+/, '')
	.replace(/\.git$/, '');
/** docs/nodes/<kebab-case node name>.md, e.g. altcraftMarketTrigger → altcraft-market-trigger.md */
const docsPage = (name: string) => `docs/nodes/${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.md`;

function codexOf(name: string): { resources: { primaryDocumentation: Array<{ url: string }> } } {
	const distPath = PACKAGE_JSON.n8n.nodes.find((path) => path.endsWith(`/${name[0].toUpperCase()}${name.slice(1)}.node.js`));
	if (!distPath) throw new Error(`package.json lists no node file for ${name}`);
	const codexFile = join(ROOT, dirname(distPath).replace(/^dist\//, ''), `${name[0].toUpperCase()}${name.slice(1)}.node.json`);
	return JSON.parse(readFileSync(codexFile, 'utf8'));
}

function subtitleFor(description: INodeTypeDescription, operation: string): unknown {
	const node: INode = {
		id: 'subtitle-node',
		name: description.defaults.name ?? description.displayName,
		type: `${PACKAGE_NAME}.${description.name}`,
		typeVersion: Array.isArray(description.version) ? description.version[description.version.length - 1] : description.version,
		position: [0, 0],
		parameters: { resource: 'order', operation },
	};
	const workflow = buildWorkflow({ nodes: [node], connections: {} });
	return workflow.expression.getSimpleParameterValue(node, description.subtitle, 'internal', {});
}

describe('subtitle', () => {
	const cases = actionNodes.flatMap((description) => {
		const operation = description.properties.find((property) => property.name === 'operation') as INodeProperties;
		return (operation.options as INodePropertyOptions[]).map((option) => [description.displayName, option.value, option.name] as const);
	});

	test.each(cases)('%s with operation %s reads "%s"', (displayName, value, label) => {
		const description = actionNodes.find((candidate) => candidate.displayName === displayName)!;
		expect(subtitleFor(description, String(value))).toBe(label);
	});
});

describe('node creator', () => {
	test.each(triggerNodes.map((trigger) => [trigger.displayName, trigger] as const))(
		'%s: the text n8n shows for it and its action node speaks for both',
		(_name, trigger) => {
			const action = byName.get(trigger.name.replace('Trigger', ''));
			expect(action).toBeDefined();
			// n8n replaces the action node's description with this one in the node creator.
			expect(trigger.description).not.toMatch(/^Starts? the workflow/i);
			expect(trigger.description).toMatch(/^Get the status/);
			expect(trigger.description).toMatch(/or start a workflow when/);
		},
	);
});

describe('docs link', () => {
	test.each(descriptions.map((description) => [description.displayName, description] as const))(
		'%s opens its own page in this repository',
		(_name, description) => {
			const page = docsPage(description.name);
			const url = `${repository}/blob/main/${page}`;
			expect(description.documentationUrl).toBe(url);
			expect(codexOf(description.name).resources.primaryDocumentation[0].url).toBe(url);
			expect(existsSync(join(ROOT, page))).toBe(true);
			expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`(${page})`);
		},
	);
});

test('option labels use n8n\'s casing for units', () => {
	const options = actionNodes.map(
		(description) => description.properties.find((property) => property.name === 'options') as INodeProperties,
	);
	for (const collection of options) {
		const labels = (collection.options as INodeProperties[]).map((option) => option.displayName);
		expect(labels).toContain('Timeout (ms)');
		expect(labels.filter((label) => /\(Ms\)/.test(label))).toEqual([]);
	}
});
