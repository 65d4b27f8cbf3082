import { useEffect, useState } from 'react';
import type { ChainTestResult } from '../../../../shared/clients';
import { call } from '../../bridge';
import { Badge, Button, Card } from '../../components';
import { formatTime } from '../../format';
import { useAction } from '../../state/hooks';

/**
 * "Test the whole chain": the key lists the models, then one chat completion of a few tokens
 * goes to the chosen (or first) model. Only on a click: it spends quota. Shows model, latency and
 * answer, or LiteLLM's error with the cause and the fix in plain words.
 */
export function ChainTestCard({ client = null }: { client?: string | null }) {
  const [result, setResult] = useState<ChainTestResult | null>(null);
  const [model, setModel] = useState<string>('');
  useEffect(() => {
    let live = true;
    void call('chain:last').then((r) => live && setResult(r), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  const run = useAction(async () => {
    const r = await call('chain:test', model || null, client);
    setResult(r);
    return r;
  });
  const models = result?.models ?? [];

  return (
    <Card
      title="Test the whole chain"
      id="chain-test"
      actions={
        <div className="row">
          {models.length > 0 && (
            <>
              <label className="sr-only" htmlFor="test-model">
                Model
              </label>
              <select id="test-model" value={model} onChange={(e) => setModel(e.target.value)} data-testid="test-model">
                <option value="">First listed model</option>
                {models.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </>
          )}
          <Button className="btn btn-primary" onClick={() => void run.run()} inactive={run.busy} data-testid="run-test">
            {run.busy ? 'Testing…' : 'Test'}
          </Button>
        </div>
      }
    >
      <p className="muted small">Lists the models with the key, then sends one chat completion of at most 5 tokens. Runs only when you click: it spends a little quota.</p>
      {result && <ChainTestOutcome result={result} />}
    </Card>
  );
}

function ChainTestOutcome({ result }: { result: ChainTestResult }) {
  const who = result.client === null ? 'master key' : `client key “${result.client}”`;
  return (
    <div role="status" data-testid="test-result" data-ok={result.ok ? 'true' : 'false'} data-cause={result.error?.cause ?? ''}>
      <dl className="facts">
        <dt>Result</dt>
        <dd>{result.ok ? <Badge tone="ok">Claude answered</Badge> : <Badge tone="bad">Failed</Badge>}</dd>
        <dt>When</dt>
        <dd>
          {formatTime(result.at)} with the {who}
        </dd>
        {result.model && (
          <>
            <dt>Model</dt>
            <dd>
              <code>{result.model}</code>
            </dd>
          </>
        )}
        {result.latencyMs !== null && (
          <>
            <dt>Latency</dt>
            <dd>{result.latencyMs} ms</dd>
          </>
        )}
        {result.ok && (
          <>
            <dt>Answer</dt>
            <dd>{result.answer}</dd>
          </>
        )}
        {result.error && (
          <>
            <dt>Cause</dt>
            <dd data-testid="test-cause">{result.error.plain}</dd>
            <dt>Fix</dt>
            <dd data-testid="test-fix">{result.error.fix}</dd>
            <dt>Gateway said</dt>
            <dd>
              <code>{result.error.gatewayText}</code>
              {result.status !== null && <span className="muted small"> (HTTP {result.status})</span>}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
