// The pure rewriting core, bundled for Node by bench/run.mjs: the same code the worker runs.
export { parseMessage } from "../worker/mime/message";
export { renderCopy } from "../worker/email/render-copy";
export { replaceAddresses } from "../worker/mime/addresses-in-text";
