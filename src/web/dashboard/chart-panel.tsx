import { Paper, Table, Text, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';

/** One row of a chart's data as people read it: a label and its values, in the columns' order. */
export interface ChartRow {
  label: string;
  values: number[];
}

/**
 * A chart with its heading, a one-line summary for everyone, and the same figures as a table
 * for screen readers; the drawing itself is hidden from them.
 */
export function ChartPanel({
  id,
  title,
  summary,
  columns,
  rows,
  children,
}: {
  id: string;
  title: string;
  summary: string;
  /** Header of the label column, then one per value. */
  columns: string[];
  rows: ChartRow[];
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`}>
      <Text component="h2" id={`${id}-title`} fw={650} size="md">
        {title}
      </Text>
      <Text size="sm" c="dimmed" mb="sm">
        {summary}
      </Text>
      <div aria-hidden="true" style={{ width: '100%', height: 240 }}>
        {children}
      </div>
      <VisuallyHidden>
        <Table>
          <Table.Caption>{title}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {columns.map((c) => (
                <Table.Th key={c} scope="col">
                  {c}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.label}>
                <Table.Th scope="row">{r.label}</Table.Th>
                {r.values.map((v, i) => (
                  <Table.Td key={columns[i + 1] ?? i}>{v}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </VisuallyHidden>
    </Paper>
  );
}
