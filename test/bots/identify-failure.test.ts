import { describe, expect, it } from 'vitest';
import { ConversationCore } from '../../src/bots/core/conversation-core.ts';
import type { OnboardingService } from '../../src/core/onboarding-service.ts';

describe('conversation core when the database cannot be reached', () => {
  it('still answers, in the speaker’s language, asking to try again', async () => {
    // A service whose first call fails as a pool timeout would (Prisma P2028).
    const unreachable = {
      identify: async () => {
        throw Object.assign(new Error('Unable to start a transaction in the given time.'), { code: 'P2028' });
      },
    } as unknown as OnboardingService;
    const core = new ConversationCore(unreachable);
    const turn = await core.handle(
      { channel: 'test', externalId: 'u1', displayName: 'U', locale: 'fr-CA' },
      { channel: 'test', id: 'dm', personal: true },
      { kind: 'text', text: 'bonjour' },
    );
    expect(turn.lang).toBe('fr');
    expect(turn.replies).toHaveLength(1);
    expect(turn.replies[0]?.text).toMatch(/réessayer/);
  });
});
