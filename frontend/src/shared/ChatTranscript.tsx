import type { ChatMessage } from '../api/client';
import { MarkdownView } from './MarkdownView';

const ROLE_LABELS: Record<string, string> = {
  system: 'System',
  user: 'User',
  human: 'User',
  assistant: 'Assistant',
  gpt: 'Assistant',
};

function roleLabel(role: string): string {
  return ROLE_LABELS[role.toLowerCase()] ?? role;
}

function roleClass(role: string): string {
  const label = roleLabel(role);
  return label === 'Assistant' || label === 'System' ? label.toLowerCase() : 'user';
}

/** A prompt given as a conversation: one bubble per message. */
export function ChatTranscript({ messages }: { messages: readonly ChatMessage[] }) {
  return (
    <ol className="chat" aria-label="Conversation">
      {messages.map((message, index) => (
        // Messages never reorder: their position is their identity.
        <li key={index} className={`chat__message chat__message--${roleClass(message.role)}`}>
          <span className="chat__role">{roleLabel(message.role)}</span>
          <MarkdownView source={message.content} detectCode />
        </li>
      ))}
    </ol>
  );
}
