const { src, dest, parallel } = require('gulp');

// n8n loads node icons and codex files from next to the compiled nodes, so both are copied into dist/.
function copyIcons() {
	return src('icons/**/*.svg', { encoding: false }).pipe(dest('dist/icons'));
}

function copyCodexFiles() {
	return src('nodes/**/*.node.json').pipe(dest('dist/nodes'));
}

exports.build = parallel(copyIcons, copyCodexFiles);
exports.default = exports.build;
