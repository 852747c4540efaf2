// Builds DOM nodes from data. Text always goes in as text nodes (never as markup), so that nothing a
// caller stored — a tenant id, an error message, a label — can become HTML or script in the page.

/**
 * el('td', { className: 'state', dataset: { id } }, 'RUNNING', otherNode)
 * @param {string} tag
 * @param {Record<string, unknown>} [props] properties set on the element (className, type, disabled,
 *   title, hidden…); `dataset` sets data-* attributes; `on` adds event listeners.
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [event, listener] of Object.entries(value)) node.addEventListener(event, listener);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

/** Replaces an element's children (text stays text). */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Shows a message in an error line, or hides it with an empty message. */
export function showError(node, message) {
  node.textContent = message ?? '';
  node.hidden = !message;
}
