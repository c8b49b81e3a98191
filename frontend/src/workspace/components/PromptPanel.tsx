import { useId } from 'react';
import type { ItemPrompt } from '../../api/client';
import { ChatTranscript } from '../../shared/ChatTranscript';
import { MarkdownView } from '../../shared/MarkdownView';

/** The prompt being ranked: markdown, or a chat transcript for `messages` items. */
export function PromptPanel({ prompt }: { prompt: ItemPrompt }) {
  const headingId = useId();
  const messages = prompt.messages ?? [];
  return (
    <section className="prompt-panel" aria-labelledby={headingId} data-prompt-id={prompt.id}>
      <h2 className="panel-title" id={headingId}>
        Prompt
      </h2>
      {messages.length > 0 ? (
        <ChatTranscript messages={messages} />
      ) : (
        <MarkdownView source={prompt.text} className="prompt-panel__text" detectCode />
      )}
    </section>
  );
}
