import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Tracing, Transport } from '../observe/observer.js';
import { eraOf } from './request-metrics.js';

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => {
    const keys: string[] = [];
    headers.forEach((_value, key) => keys.push(key));
    return keys;
  },
};
const recordGetter: TextMapGetter<Record<string, unknown>> = {
  get: (carrier, key) => (typeof carrier[key] === 'string' ? carrier[key] : undefined),
  keys: (carrier) => Object.keys(carrier),
};

/** A method name that can be a span name: the MCP methods' shape, bounded in length. */
const METHOD_SHAPE = /^[a-z][a-zA-Z_]*(\/[a-zA-Z_]+){0,3}$/;
const clip = (v: string, max: number) => (v.length > max ? v.slice(0, max) : v);
const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

export interface McpSpanOptions {
  tracing: Tracing;
  transport: Transport;
  /** Tool names that may appear in a span name (the registered tools); others only as the attribute. */
  tools: ReadonlySet<string>;
}

/**
 * The server span of one MCP request (OpenTelemetry semantic conventions for MCP): started before
 * the Origin guard and the bearer gate, so the identity provider calls the gate makes (JWKS,
 * userinfo) and the tool's (M2M token, Management API) are its children; its parent is the W3C
 * `traceparent` header the client sent. A `traceparent` in the message's `params._meta` (the
 * conventions' carrier) is recorded as a link: the body is read only after authentication, when the
 * span already has its parent. Attributes from the JSON-RPC message are set once it was read.
 */
export function mcpSpan(options: McpSpanOptions): MiddlewareHandler {
  const { tracer, propagator } = options.tracing;
  return async (c, next) => {
    const parent = propagator.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const span = tracer.startSpan(
      `${c.req.method} ${c.req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'network.transport': 'tcp',
          'network.protocol.name': 'http',
          ...(incoming ? { 'network.protocol.version': incoming.httpVersion } : {}),
          'http.request.method': c.req.method,
          'logto_whoami.transport': options.transport,
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      describe(span, c, options);
      span.end();
    }
  };
}

function describe(span: Span, c: Context, options: McpSpanOptions): void {
  const status = c.res.status;
  span.setAttribute('http.response.status_code', status);
  span.setAttribute('logto_whoami.era', eraOf(c));
  const body = c.get('rpc') as unknown;
  const message = record(Array.isArray(body) ? body[0] : body);
  const method = typeof message?.['method'] === 'string' ? clip(message['method'], 128) : undefined;
  const params = record(message?.['params']);
  const meta = record(params?.['_meta']);
  if (method !== undefined) {
    span.setAttribute('mcp.method.name', method);
    let name = METHOD_SHAPE.test(method) ? method : 'mcp.request';
    const id = message?.['id'];
    if (typeof id === 'string' || typeof id === 'number') span.setAttribute('jsonrpc.request.id', clip(String(id), 128));
    if (message?.['jsonrpc'] !== '2.0' && typeof message?.['jsonrpc'] === 'string') span.setAttribute('jsonrpc.protocol.version', clip(message['jsonrpc'], 16));
    const tool = method === 'tools/call' && typeof params?.['name'] === 'string' ? clip(params['name'], 128) : undefined;
    if (tool !== undefined) {
      span.setAttribute('gen_ai.tool.name', tool);
      span.setAttribute('gen_ai.operation.name', 'execute_tool');
      if (options.tools.has(tool)) name = `${method} ${tool}`;
    }
    span.updateName(name);
  }
  const version =
    c.req.header('mcp-protocol-version') ??
    (typeof meta?.['io.modelcontextprotocol/protocolVersion'] === 'string' ? meta['io.modelcontextprotocol/protocolVersion'] : undefined) ??
    (method === 'initialize' && typeof params?.['protocolVersion'] === 'string' ? params['protocolVersion'] : undefined);
  if (version !== undefined) span.setAttribute('mcp.protocol.version', clip(version, 32));
  // The session, as a tag: a session id is a capability of its owner, kept out of telemetry like out of logs.
  const session = c.req.header('mcp-session-id') ?? c.req.query('sessionId') ?? c.res.headers.get('mcp-session-id') ?? undefined;
  if (session) span.setAttribute('mcp.session.id', hash('sha256', session, 'base64url').slice(0, 16));
  if (meta && typeof meta['traceparent'] === 'string') {
    const linked = trace.getSpanContext(options.tracing.propagator.extract(ROOT_CONTEXT, meta, recordGetter));
    if (linked) span.addLink({ context: linked, attributes: { 'logto_whoami.link': 'params._meta.traceparent' } });
  }
  if (status >= 400) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
