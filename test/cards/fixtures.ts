import type { InputView, Reply } from '../../src/bots/core/types.ts';

/**
 * One neutral reply of each type, as the core would send them, with values a person typed
 * (including Markdown that must not be interpreted). Overrides replace top-level fields.
 */

export const EVIL = '[click](http://evil.example) **bold** _it_ <http://evil.example>';

export const makeTextReply = (o: Partial<Extract<Reply, { type: 'text' }>> = {}): Extract<Reply, { type: 'text' }> => ({
  type: 'text',
  text: 'Welcome! I will walk you through the four steps.\n\nType “status” at any time.',
  ...o,
});

export const makeQuestionReply = (o: Partial<Extract<Reply, { type: 'question' }>> = {}): Extract<Reply, { type: 'question' }> => ({
  type: 'question',
  text: 'Question 7 of 14 — Province or territory?\n1. Alberta\n2. British Columbia',
  progress: 'Question 7 of 14',
  label: 'Province or territory',
  help: 'Where the organization is based.',
  input: {
    id: 'province',
    label: 'Province or territory',
    type: 'choice',
    required: true,
    options: [
      { value: 'AB', label: 'Alberta' },
      { value: 'BC', label: 'British Columbia' },
    ],
  },
  buttons: [
    { label: '1. Alberta', action: 'answer', data: { formId: 'organization', entityId: 'org-1', fieldId: 'province', value: 'AB' } },
    { label: '2. British Columbia', action: 'answer', data: { formId: 'organization', entityId: 'org-1', fieldId: 'province', value: 'BC' } },
    { label: 'Back', action: 'back', data: { formId: 'organization', entityId: 'org-1' } },
  ],
  formRef: { formId: 'organization', entityId: 'org-1', fieldId: 'province' },
  ...o,
});

export const makeFormInputs = (): InputView[] => [
  { id: 'legalName', label: 'Legal name', type: 'text', required: true, value: EVIL, maxLength: 200 },
  { id: 'description', label: 'Short description', type: 'longText', required: true, maxLength: 2000, help: 'Two or three sentences.' },
  { id: 'email', label: 'Administrator email', type: 'email', required: true, value: 'not-an-email', error: 'Enter an email address like name@example.org.' },
  { id: 'phone', label: 'Phone', type: 'phone', required: false, placeholder: '613-555-0100' },
  { id: 'website', label: 'Website', type: 'url', required: false },
  { id: 'mentees', label: 'Expected mentees per year', type: 'number', required: true, value: '1 200' },
  { id: 'launch', label: 'Launch date', type: 'date', required: true, value: '2026-09-01' },
  {
    id: 'orgType',
    label: 'Organization type',
    type: 'choice',
    required: true,
    value: 'charity',
    options: [
      { value: 'nonProfit', label: 'Non-profit' },
      { value: 'charity', label: 'Charity' },
    ],
  },
  {
    id: 'languages',
    label: 'Languages served',
    type: 'multiChoice',
    required: true,
    value: ['en', 'fr'],
    options: [
      { value: 'en', label: 'English' },
      { value: 'fr', label: 'French' },
      { value: 'other', label: 'Other' },
    ],
  },
  { id: 'sessionBooked', label: 'I booked an onboarding session', type: 'confirm', required: true, options: [{ value: 'yes', label: 'Yes, I booked it' }] },
];

export const makeFormReply = (o: Partial<Extract<Reply, { type: 'form' }>> = {}): Extract<Reply, { type: 'form' }> => ({
  type: 'form',
  text: 'Organization — About (section 1 of 3). Legal name: … (full fallback)',
  progress: 'Section 1 of 3',
  title: 'About the organization',
  inputs: makeFormInputs(),
  submit: { label: 'Save section', action: 'submitSection', data: { formId: 'organization', entityId: 'org-1', sectionId: 'about' }, style: 'primary' },
  errorSummary: '1 answer needs attention.',
  ...o,
});

export const makeReviewReply = (o: Partial<Extract<Reply, { type: 'review' }>> = {}): Extract<Reply, { type: 'review' }> => ({
  type: 'review',
  text: 'Review your organization before you submit. Legal name: ' + EVIL,
  title: 'Review: organization',
  progress: '14 of 14 answered',
  sections: [
    { title: 'Identity', items: [{ fieldId: 'legalName', label: 'Legal name', value: EVIL }, { fieldId: 'operatingName', label: 'Operating name', value: '' }] },
    { title: 'Contact', items: [{ fieldId: 'email', label: 'Email', value: 'ada@example.org' }] },
  ],
  buttons: [
    { label: 'Submit', action: 'submit', data: { entityId: 'org-1' }, style: 'primary' },
    { label: 'Edit legal name', action: 'edit', data: { fieldId: 'legalName' } },
  ],
  ...o,
});

export const makeProgressReply = (o: Partial<Extract<Reply, { type: 'progress' }>> = {}): Extract<Reply, { type: 'progress' }> => ({
  type: 'progress',
  text: 'Where you stand: 1 done, 2 waiting for staff, 3 and 4 to do.',
  title: 'Your onboarding',
  steps: [
    { number: 1, title: 'Register the organization', state: 'done' },
    { number: 2, title: 'Register a program', state: 'waiting' },
    { number: 3, title: 'Request access', state: 'current' },
    { number: 4, title: 'Complete platform registration', state: 'todo' },
  ],
  buttons: [{ label: 'Status', action: 'status' }],
  ...o,
});

export const makeApprovalReply = (o: Partial<Extract<Reply, { type: 'approval' }>> = {}): Extract<Reply, { type: 'approval' }> => ({
  type: 'approval',
  text: 'New organization to approve: ' + EVIL,
  submissionId: 'sub-1',
  title: 'Organization: ' + EVIL,
  subtitle: 'Submitted by Ada Admin',
  sections: [{ title: 'Identity', items: [{ fieldId: 'legalName', label: 'Legal name', value: EVIL }] }],
  buttons: [
    { label: 'Approve', action: 'decide', data: { submissionId: 'sub-1', outcome: 'approved' }, style: 'primary' },
    { label: 'Reject', action: 'decide', data: { submissionId: 'sub-1', outcome: 'rejected' }, style: 'danger' },
    { label: 'Request changes', action: 'decide', data: { submissionId: 'sub-1', outcome: 'changesRequested' } },
  ],
  reasonInput: { id: 'reason', label: 'Reason (for reject or changes)', type: 'longText', required: false },
  ...o,
});

export const makeStatusReply = (o: Partial<Extract<Reply, { type: 'status' }>> = {}): Extract<Reply, { type: 'status' }> => ({
  type: 'status',
  text: 'Acme: step 2, waiting for staff since 2026-11-02.',
  title: 'Acme Mentoring',
  facts: [
    { label: 'Step', value: '2 — Register a program' },
    { label: 'Waiting on', value: 'staff' },
  ],
  history: ['2026-11-01 Organization approved', '2026-11-02 Program submitted: ' + EVIL],
  buttons: [{ label: 'Resend email', action: 'status' }],
  ...o,
});

export const allReplies = (): Reply[] => [
  makeTextReply({ buttons: [{ label: 'Start', action: 'start' }] }),
  makeQuestionReply(),
  makeFormReply(),
  makeReviewReply(),
  makeProgressReply(),
  makeApprovalReply(),
  makeStatusReply(),
];
