// Renders /api/openapi.json as a readable reference; DOM built with textContent only (no HTML injection).
"use strict";

(function () {
  const root = document.getElementById("apidoc");
  if (!root) return;
  const status = document.getElementById("apidoc-status");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Text with `code` spans, as the document's descriptions write them, built without markup.
  function prose(tag, className, text) {
    const node = el(tag, className);
    String(text || "").split("`").forEach((part, i) => {
      node.appendChild(i % 2 ? el("code", null, part) : document.createTextNode(part));
    });
    return node;
  }

  function refName(ref) {
    return ref.split("/").pop();
  }

  // A short type label for a schema, with links for $refs.
  function typeLabel(schema) {
    const span = el("span", "apidoc-type");
    if (!schema) return span;
    if (schema.$ref) {
      const a = el("a", null, refName(schema.$ref));
      a.href = "#schema-" + refName(schema.$ref);
      span.appendChild(a);
      return span;
    }
    const alternatives = schema.anyOf || schema.oneOf;
    if (alternatives) {
      alternatives.forEach((alt, i) => {
        if (i) span.appendChild(document.createTextNode(" or "));
        span.appendChild(typeLabel(alt));
      });
      return span;
    }
    if (schema.type === "array") {
      span.appendChild(document.createTextNode("array of "));
      span.appendChild(typeLabel(schema.items));
      return span;
    }
    let text = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "");
    if (schema.enum) text = schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (schema.const !== undefined) text = JSON.stringify(schema.const);
    if (schema.pattern) text += " matching " + schema.pattern;
    if (schema.format) text += " (" + schema.format + ")";
    span.textContent = text || "any";
    return span;
  }

  function table(headings, rows) {
    const t = el("table");
    const head = el("tr");
    headings.forEach((h) => head.appendChild(el("th", null, h)));
    t.appendChild(el("thead")).appendChild(head);
    const body = t.appendChild(el("tbody"));
    rows.forEach((cells) => {
      const tr = body.appendChild(el("tr"));
      cells.forEach((c) => {
        const td = tr.appendChild(el("td"));
        if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined ? "" : c;
      });
    });
    return t;
  }

  function nameCell(name, required) {
    const cell = el("span");
    cell.appendChild(el("code", null, name));
    if (required) cell.appendChild(el("span", "apidoc-required", "required"));
    return cell;
  }

  function contentCell(content) {
    const cell = el("span");
    Object.entries(content || {}).forEach(([type, media], i) => {
      if (i) cell.appendChild(document.createTextNode("; "));
      cell.appendChild(el("code", null, type));
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(typeLabel(media.schema));
    });
    return cell;
  }

  function operation(path, method, op) {
    const id = "op-" + (op.operationId || method + path);
    const details = el("details", "apidoc-op");
    details.id = id;
    const summary = details.appendChild(el("summary"));
    summary.appendChild(el("span", "apidoc-method apidoc-method--" + method, method.toUpperCase()));
    summary.appendChild(el("span", "apidoc-path", path));
    summary.appendChild(el("span", "apidoc-summary", op.summary));
    const body = details.appendChild(el("div", "apidoc-op-body"));
    if (op.description) body.appendChild(prose("p", null, op.description));
    if (op.security && op.security.some((s) => Object.keys(s).length)) {
      body.appendChild(el("p", "apidoc-note", "Authorization: Bearer token when the server sets one."));
    }
    if (op.parameters && op.parameters.length) {
      body.appendChild(el("h3", null, "Parameters"));
      body.appendChild(table(["name", "in", "type", "description"], op.parameters.map((p) => [
        nameCell(p.name, p.required), p.in, typeLabel(p.schema), prose("span", null, p.description),
      ])));
    }
    if (op.requestBody) {
      body.appendChild(el("h3", null, "Request body"));
      body.appendChild(contentCell(op.requestBody.content));
    }
    body.appendChild(el("h3", null, "Responses"));
    body.appendChild(table(["status", "description", "content"], Object.entries(op.responses).map(
      ([code, r]) => [el("span", "apidoc-status", code), prose("span", null, r.description),
        contentCell(r.content)])));
    return details;
  }

  function schemaSection(name, schema) {
    const section = el("section", "apidoc-schema");
    section.id = "schema-" + name;
    section.appendChild(el("h3", "apidoc-schema-name", name));
    if (schema.description) section.appendChild(prose("p", null, schema.description));
    const required = new Set(schema.required || []);
    const props = Object.entries(schema.properties || {});
    if (props.length) {
      section.appendChild(table(["field", "type", "description"], props.map(([field, s]) => [
        nameCell(field, required.has(field)), typeLabel(s), prose("span", null, s.description),
      ])));
    }
    return section;
  }

  function render(doc) {
    document.getElementById("apidoc-title").textContent = doc.info.title + " HTTP API " + doc.info.version;
    if (doc.info.description) {
      status.replaceWith(prose("p", "apidoc-lead", doc.info.description));
    } else {
      status.remove();
    }
    const toc = el("ul");
    const ops = document.getElementById("apidoc-operations");
    ops.appendChild(el("h2", null, "Endpoints"));
    Object.entries(doc.paths).forEach(([path, item]) => {
      ["get", "post", "put", "patch", "delete"].forEach((method) => {
        if (!item[method]) return;
        const node = operation(path, method, item[method]);
        ops.appendChild(node);
        const a = el("a", null, method.toUpperCase() + " " + path);
        a.href = "#" + node.id;
        toc.appendChild(el("li")).appendChild(a);
      });
    });
    document.getElementById("apidoc-toc").appendChild(toc);
    const schemas = document.getElementById("apidoc-schemas");
    schemas.appendChild(el("h2", null, "Schemas"));
    Object.entries((doc.components || {}).schemas || {}).forEach(([name, s]) => {
      schemas.appendChild(schemaSection(name, s));
    });
    // Open the endpoint named in the address, if any.
    const target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  fetch(root.dataset.spec, { headers: { Accept: "application/json" } })
    .then((r) => {
      if (!r.ok) throw new Error("the server answered " + r.status);
      return r.json();
    })
    .then(render)
    .catch((err) => {
      status.textContent = "Could not load the API document: " + err.message + ".";
      status.className = "apidoc-error";
    });
})();
