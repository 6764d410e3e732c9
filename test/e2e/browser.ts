/**
 * `npm run test:browser`: the editor of a real n8n in a real browser (Debian's Chromium, driven by
 * playwright-core). Signs in, opens every example workflow and checks that each pack node renders with its own
 * icon (not the placeholder of a node type n8n does not know), that each action node's subtitle names its
 * operation ("Get Status") and that routed outputs show their labels. Then, on the Altcraft example: the node
 * creator's entry for Altcraft Market shows a description that speaks for the action node (n8n shows the
 * trigger's text there), and the node's panel links "Docs" to the pack's own page. Saves a screenshot per
 * workflow under test/e2e/screenshots/ and the routed example as docs/editor.png for the README.
 *
 * Selectors come from n8n's editor (2.40.7): data-test-id "canvas-node" (with data-node-name), the node's
 * subtitle element (a CSS-module class containing "subtitle"), "node-creator-plus-button",
 * "node-creator-search-bar", "node-creator-action-item"/"node-creator-node-item" with "node-creator-item-name" and
 * "node-creator-item-description", and "ndv"; the Docs tab is a plain link whose href is the node's documentationUrl.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';
import { chromium, type Page } from 'playwright-core';

import { loadPackNodes } from '../harness/packTypes';
import { ensureN8n, readSpec } from './install';
import { freePort, n8nEnv, startN8n, stopAll } from './n8n';
import {
	buildAndPack,
	DEMO_OWNER,
	importDemo,
	installPack,
	PACKAGE_NAME,
	ROOT,
	setUpOwner,
	SimulatorWorld,
} from './stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, 'screenshots');
const README_SCREENSHOT = path.join(ROOT, 'docs', 'editor.png');
const ROUTED_EXAMPLE = 'scheduled-check-routed-by-status.json';
/** The example whose Altcraft Market node is opened for the node creator and Docs checks. */
const ALTCRAFT_EXAMPLE = 'altcraft-check-orders.json';

/** The pack's node descriptions from the source, by node type (`n8n-nodes-order-status.altcraftMarket`). */
const PACK_DESCRIPTIONS = new Map(
	[...loadPackNodes()].map(([type, node]) => [type, node.description as INodeTypeDescription] as const),
);

/** The subtitle n8n should show for an action node: its operation's label; undefined for a trigger. */
function expectedSubtitle(type: string, parameters: Record<string, unknown> = {}): string | undefined {
	const description = PACK_DESCRIPTIONS.get(type);
	const operation = description?.properties.find((property) => property.name === 'operation') as INodeProperties | undefined;
	if (!description || description.group.includes('trigger') || !operation) return undefined;
	const value = parameters.operation ?? operation.default;
	return (operation.options as INodePropertyOptions[]).find((option) => option.value === value)?.name;
}

type Check = (name: string, ok: boolean, detail?: string) => void;

/** The text of what the editor shows under a canvas node's name (its subtitle), or the node's whole text. */
async function canvasSubtitle(page: Page, nodeName: string): Promise<{ subtitle: string; text: string }> {
	return await page.$eval(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`, (element) => {
		const subtitle = element.querySelector('[class*="subtitle"]');
		return { subtitle: (subtitle?.textContent ?? '').trim(), text: (element.textContent ?? '').replace(/\s+/g, ' ').trim() };
	});
}

/**
 * Opens the node creator on the current workflow, searches for the action node's display name and returns the
 * description its entry shows (n8n merges the node and its trigger into one entry).
 */
async function nodeCreatorDescription(page: Page, displayName: string): Promise<string | undefined> {
	const plus = page.locator('[data-test-id="node-creator-plus-button"]');
	if (await plus.count()) await plus.first().click();
	else await page.keyboard.press('Tab');
	const search = page.locator('[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ state: 'visible', timeout: 30_000 });
	await search.fill(displayName);
	const item = page
		.locator('[data-test-id="node-creator-action-item"], [data-test-id="node-creator-node-item"]')
		.filter({ has: page.locator('[data-test-id="node-creator-item-name"]', { hasText: new RegExp(`^\\s*${displayName}\\s*$`) }) })
		.first();
	await item.waitFor({ state: 'visible', timeout: 30_000 });
	const description = item.locator('[data-test-id="node-creator-item-description"]');
	const text = (await description.count()) > 0 ? (await description.first().innerText()).trim() : undefined;
	await page.keyboard.press('Escape');
	return text;
}

/** Opens a node's panel (double click) and returns every link href in the page, the Docs tab's among them. */
async function panelLinks(page: Page, nodeName: string): Promise<string[]> {
	await page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`).dblclick();
	await page.locator('[data-test-id="ndv"]').first().waitFor({ state: 'visible', timeout: 30_000 });
	const hrefs = await page.$$eval('a[href]', (links) => links.map((link) => link.getAttribute('href') ?? ''));
	await page.keyboard.press('Escape');
	return hrefs;
}

/** The node creator's text and the Docs link of the Altcraft Market node, on the Altcraft example. */
async function checkCreatorAndDocs(page: Page, baseUrl: string, example: { id: string; nodes: Array<{ name: string; type: string }> }, check: Check): Promise<void> {
	const actionType = 'n8n-nodes-order-status.altcraftMarket';
	const action = PACK_DESCRIPTIONS.get(actionType)!;
	const trigger = PACK_DESCRIPTIONS.get(`${actionType}Trigger`)!;
	const node = example.nodes.find((candidate) => candidate.type === actionType)!;
	await page.goto(`${baseUrl}/workflow/${example.id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 90_000 });
	await page.waitForLoadState('networkidle');

	try {
		const description = await nodeCreatorDescription(page, action.displayName);
		check(
			`node creator: "${action.displayName}" is described for the action node too ("${trigger.description}")`,
			description === trigger.description && !/^Starts? the workflow/i.test(description ?? ''),
			`shows "${description ?? '(no description)'}"`,
		);
	} catch (error) {
		check(`node creator: "${action.displayName}" is listed with a description`, false, String(error).split('\n')[0]);
		await page.keyboard.press('Escape').catch(() => undefined);
	}

	try {
		const hrefs = await panelLinks(page, node.name);
		check(
			`"${node.name}" panel: Docs opens ${action.documentationUrl}`,
			hrefs.includes(action.documentationUrl ?? '(none)'),
			`links: ${hrefs.filter((href) => /docs|github|n8n\.io/i.test(href)).join(', ') || '(none)'}`,
		);
	} catch (error) {
		check(`"${node.name}" panel opens with a Docs link`, false, String(error).split('\n')[0]);
	}
}

/** What the page said: console errors, uncaught errors, failed requests and crashes, for a failure's report. */
function watchPage(page: Page): string[] {
	const log: string[] = [];
	const add = (line: string) => {
		log.push(line);
		if (log.length > 200) log.shift();
	};
	page.on('console', (message) => {
		if (message.type() === 'error' || message.type() === 'warning') add(`console.${message.type()}: ${message.text().slice(0, 300)}`);
	});
	page.on('pageerror', (error) => add(`page error: ${error.message.slice(0, 300)}`));
	page.on('requestfailed', (request) => add(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? '?'})`));
	page.on('crash', () => add('the page crashed'));
	return log;
}

/** Everything needed to see why the editor did not show what was expected, without re-running anything. */
async function describeFailure(page: Page, pageLog: string[], n8nLog: string, what: string): Promise<string> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	const screenshot = path.join(SCREENSHOTS, 'failure.png');
	await page.screenshot({ path: screenshot }).catch(() => undefined);
	const body = await page
		.locator('body')
		.innerText({ timeout: 5_000 })
		.catch((error: unknown) => `(no body: ${String(error).split('\n')[0]})`);
	const serverLog = existsSync(n8nLog) ? readFileSync(n8nLog, 'utf8').split('\n').slice(-30).join('\n') : '(no n8n log)';
	return [
		`${what} at ${page.url()} (title "${await page.title().catch(() => '?')}")`,
		`page text: ${body.replace(/\s+/g, ' ').slice(0, 800) || '(empty)'}`,
		`page log (last 30):\n  ${pageLog.slice(-30).join('\n  ') || '(nothing)'}`,
		`n8n log (last 30 lines):\n${serverLog}`,
		`screenshot: ${path.relative(ROOT, screenshot)}`,
	].join('\n');
}

/**
 * Signs in through the editor's own form. The editor is a large single-page app: on a busy 2-core machine its first
 * render can take long, so the form gets a generous wait and one reload before the run gives up with a full report.
 */
async function signIn(page: Page, baseUrl: string, pageLog: string[], n8nLog: string): Promise<void> {
	const email = page.locator('input[name=emailOrLdapLoginId]');
	for (let attempt = 1; ; attempt++) {
		const started = Date.now();
		await page.goto(`${baseUrl}/signin`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
		try {
			await email.waitFor({ state: 'visible', timeout: 90_000 });
			console.log(`  sign-in form shown after ${((Date.now() - started) / 1000).toFixed(1)} s`);
			break;
		} catch (error) {
			const report = await describeFailure(page, pageLog, n8nLog, `no sign-in form after ${((Date.now() - started) / 1000).toFixed(0)} s (attempt ${attempt})`);
			if (attempt >= 2) throw new Error(`${(error as Error).message.split('\n')[0]}\n${report}`);
			console.log(report);
		}
	}
	await email.fill(DEMO_OWNER.email);
	await page.fill('input[type=password]', DEMO_OWNER.password);
	await page.keyboard.press('Enter');
	try {
		await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 60_000 });
	} catch (error) {
		throw new Error(`${(error as Error).message.split('\n')[0]}\n${await describeFailure(page, pageLog, n8nLog, 'still on the sign-in page')}`);
	}
}

async function main(): Promise<void> {
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
	const version = readSpec().n8nVersions[0];
	const packed = await buildAndPack();
	const install = await ensureN8n(version);
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'order-status-browser-'));
	const world = new SimulatorWorld();
	const failures: string[] = [];
	let checks = 0;
	const check = (name: string, ok: boolean, detail = '') => {
		checks++;
		console.log(`  ${ok ? '✓' : '✗'} ${name}${ok || !detail ? '' : ` — ${detail}`}`);
		if (!ok) failures.push(name);
	};
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		// --disable-dev-shm-usage: a CI container's small /dev/shm crashes the renderer of a page as big as n8n's editor.
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
	});
	try {
		const missing = await installPack(userFolder, packed.tarball, PACKAGE_NAME);
		if (missing.length > 0) throw new Error(`the packed pack lacks ${missing.join(', ')}`);
		await world.start();
		const env = n8nEnv(install, userFolder, { http: await freePort(), broker: await freePort() });
		const { examples } = await importDemo(install, env, userFolder, world.urls);
		const server = await startN8n(install, env, path.join(userFolder, 'n8n.log'));
		await setUpOwner(server.baseUrl);

		const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
		const pageLog = watchPage(page);
		await signIn(page, server.baseUrl, pageLog, server.logFile);
		check('signs in as the owner', !page.url().includes('signin'), page.url());

		mkdirSync(SCREENSHOTS, { recursive: true });
		for (const example of examples) {
			console.log(`${example.file}`);
			await page.goto(`${server.baseUrl}/workflow/${example.id}`);
			try {
				await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 90_000 });
			} catch (error) {
				throw new Error(`${(error as Error).message.split('\n')[0]}\n${await describeFailure(page, pageLog, server.logFile, `no canvas node for ${example.file}`)}`);
			}
			// Node icons load asynchronously: wait until every pack node shows an image.
			await page.waitForLoadState('networkidle');
			const packNodes = example.nodes.filter((node) => node.type.startsWith(`${PACKAGE_NAME}.`));
			for (const node of packNodes) {
				const selector = `[data-test-id="canvas-node"][data-node-name="${node.name}"]`;
				const icon = await page.$eval(selector, (element) => {
					const image = element.querySelector('img');
					return { src: image?.getAttribute('src') ?? '', loaded: image ? image.complete && image.naturalWidth > 0 : false, text: element.textContent ?? '' };
				});
				check(
					`"${node.name}" renders with the pack's own icon`,
					icon.loaded && icon.src.includes(PACKAGE_NAME),
					`img src "${icon.src}", loaded ${icon.loaded}`,
				);
				check(`"${node.name}" is not the unknown-node placeholder`, !/install|not installed|unknown/i.test(icon.text), icon.text.slice(0, 80));
				const subtitle = expectedSubtitle(node.type, node.parameters);
				if (subtitle) {
					const shown = await canvasSubtitle(page, node.name);
					check(
						`"${node.name}" shows the subtitle "${subtitle}"`,
						shown.subtitle ? shown.subtitle === subtitle : shown.text.includes(subtitle),
						`subtitle "${shown.subtitle}", node text "${shown.text.slice(0, 120)}"`,
					);
				}
			}
			if (example.file === ROUTED_EXAMPLE) {
				const labels = await page.$$eval('[data-test-id="canvas-handle-label"], .vue-flow__handle [class*="label"]', (elements) =>
					elements.map((element) => (element.textContent ?? '').trim()).filter(Boolean),
				);
				const fallback = labels.length > 0 ? labels : await page.$$eval('[data-test-id="canvas-node-output-handle"]', (elements) => elements.map((element) => (element.textContent ?? '').trim()));
				for (const label of ['Accepted', 'Processing', 'Delivered', 'Cancelled', 'Other']) {
					check(`routed output "${label}" is labelled on the canvas`, fallback.includes(label), fallback.join(', '));
				}
				mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
				await page.screenshot({ path: README_SCREENSHOT });
			}
			await page.screenshot({ path: path.join(SCREENSHOTS, example.file.replace(/\.json$/, '.png')) });
		}
		const altcraft = examples.find((example) => example.file === ALTCRAFT_EXAMPLE);
		check(`examples/${ALTCRAFT_EXAMPLE} is imported`, altcraft !== undefined);
		if (altcraft) {
			console.log(`${ALTCRAFT_EXAMPLE}: node creator and Docs link`);
			await checkCreatorAndDocs(page, server.baseUrl, altcraft, check);
		}
		await server.stop();
	} finally {
		await browser.close();
		await stopAll();
		await world.stop();
		packed.cleanUp();
		rmSync(userFolder, { recursive: true, force: true });
	}
	console.log(`\n${checks - failures.length}/${checks} browser checks passed; screenshots in ${path.relative(ROOT, SCREENSHOTS)}/`);
	process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.stack ?? error.message : error);
	await stopAll();
	process.exitCode = 1;
});
