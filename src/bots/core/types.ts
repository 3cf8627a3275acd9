import type { Lang } from '../../domain/lang.ts';

/**
 * The conversation core's neutral vocabulary. Channels translate inbound wire formats into
 * `Inbound` and render `Reply` values into Block Kit, Adaptive Cards or plain text. Every
 * reply carries `text`: the complete plain-text fallback (screen readers, notifications,
 * clients without cards), never a summary of the card.
 */

/** Who is talking, as the channel knows them. */
export type Speaker = {
  channel: string;
  externalId: string;
  displayName: string;
  email?: string | undefined;
  /** Locale the channel reports (e.g. `fr-CA`); decides the language of a new person. */
  locale?: string | undefined;
  timeZone?: string | undefined;
};

/** Where the message came from. `address` is what the channel needs to write there later. */
export type Conversation = {
  channel: string;
  id: string;
  /** A personal (1:1) conversation with the bot, as opposed to a channel/group. */
  personal: boolean;
  address?: Record<string, unknown> | undefined;
};

/** What a person did: typed text, or pressed a button / submitted a card. */
export type Inbound =
  | { kind: 'text'; text: string }
  | { kind: 'action'; action: ActionName; data: Record<string, unknown> };

/**
 * Every button's `action`. `data` carries the ids the core needs (never trusted: the core
 * re-checks ownership and state). Card submissions put field values in `data` too.
 */
export type ActionName =
  | 'start' // begin or resume (greeting)
  | 'answer' // one answer: data.formId, entityId, fieldId, value
  | 'submitSection' // whole section card: data.formId, entityId, sectionId, plus field values
  | 'openSection' // show a section as a card: data.formId, entityId, sectionId
  | 'skip'
  | 'back'
  | 'edit' // data.fieldId
  | 'review'
  | 'submit'
  | 'withdraw' // data.entityId
  | 'newOrganization'
  | 'newProgram' // data.organizationId
  | 'sessions' // list slots: data.programId
  | 'book' // data.programId, slotId
  | 'cancelBooking' // data.programId
  | 'requestAccess' // data.programId
  | 'status'
  | 'help'
  | 'language' // data.lang
  | 'decide' // staff: data.submissionId, outcome, reason?
  | 'publishSlot' // staff: data.startsAt, timeZone, durationMinutes, language, capacity, videoUrl
  | 'editSlot' // staff: data.slotId (no other field: show the form; with fields: save)
  | 'cancelSlot' // staff: data.slotId, reason?
  | 'addSampleSlots'; // staff, playground only

export type Button = {
  label: string;
  action: ActionName;
  data?: Record<string, string>;
  style?: 'primary' | 'danger';
};

export type ChoiceOptionView = { value: string; label: string };

/** An input of a form card (a section shown whole). */
export type InputView = {
  id: string;
  label: string;
  help?: string | undefined;
  type: 'text' | 'longText' | 'email' | 'phone' | 'url' | 'number' | 'date' | 'choice' | 'multiChoice' | 'confirm';
  required: boolean;
  value?: string | string[] | undefined;
  options?: ChoiceOptionView[] | undefined;
  error?: string | undefined;
  maxLength?: number | undefined;
  placeholder?: string | undefined;
};

export type SummaryView = { title: string; items: Array<{ fieldId: string; label: string; value: string }> };

export type StepView = { number: number; title: string; state: 'done' | 'current' | 'waiting' | 'todo' };

export type Reply =
  | { type: 'text'; text: string; buttons?: Button[] | undefined }
  /** One question of a form, asked on its own. */
  | {
      type: 'question';
      text: string;
      progress: string;
      label: string;
      help?: string | undefined;
      error?: string | undefined;
      input: InputView;
      /** For choices: one button each (with number) so typing or clicking both work. */
      buttons: Button[];
      formRef: { formId: string; entityId: string; fieldId: string };
    }
  /** A whole section as a card/modal with inline validation errors. */
  | {
      type: 'form';
      text: string;
      progress: string;
      title: string;
      inputs: InputView[];
      submit: Button;
      errorSummary?: string | undefined;
    }
  | { type: 'review'; text: string; title: string; progress: string; sections: SummaryView[]; buttons: Button[] }
  | { type: 'progress'; text: string; title: string; steps: StepView[]; buttons: Button[] }
  /** The card staff decide on. `decided` replaces the buttons once someone decided. */
  | {
      type: 'approval';
      text: string;
      submissionId: string;
      title: string;
      subtitle: string;
      sections: SummaryView[];
      decided?: { outcome: string; by: string; at: string; reason?: string | undefined } | undefined;
      buttons: Button[];
      /** Input for the reason (reject / request changes). */
      reasonInput?: InputView | undefined;
    }
  | { type: 'status'; text: string; title: string; facts: Array<{ label: string; value: string }>; history: string[]; buttons?: Button[] | undefined };

/** What the core wants sent outside the current conversation (proactive messages). */
export type Outgoing =
  | { to: 'staff'; replies: Reply[]; /** Update an earlier card about this submission instead of posting anew. */ cardFor?: string | undefined }
  | { to: 'person'; personId: string; replies: Reply[] };

export type Turn = {
  /** Replies to the person who spoke, in this conversation. */
  replies: Reply[];
  /** Replies to send elsewhere (staff channel, another person's chat). */
  outgoing: Outgoing[];
  lang: Lang;
  /** This turn recorded a staff decision (rather than finding one already made, or refusing). */
  decisionRecorded?: boolean | undefined;
  /** A staff member claimed this conversation as the staff channel for approvals. */
  claimStaffChannel?: boolean | undefined;
};
