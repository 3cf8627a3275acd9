import type { Lang } from '../domain/lang.ts';
import { html, renderPage } from './html.ts';

/** The landing page: what the assistant is and where to go. */
export function renderHome(lang: Lang, options: { mailbox: boolean }): string {
  const t = lang === 'fr'
    ? {
        title: 'Assistant d’intégration',
        intro: 'Cet assistant accompagne les organismes de mentorat dans les quatre étapes d’accès à la plateforme de mentorat virtuel : inscrire l’organisme, inscrire un programme, demander l’accès, terminer l’inscription sur la plateforme.',
        mailbox: 'Boîte aux lettres locale (courriels envoyés par l’assistant)',
        health: 'État du service',
      }
    : {
        title: 'Onboarding Assistant',
        intro: 'This assistant walks mentoring organizations through the four steps to the virtual mentoring platform: register the organization, register a program, request access, complete the platform registration.',
        mailbox: 'Local mailbox (emails the assistant sent)',
        health: 'Service health',
      };
  const other = lang === 'fr' ? 'en' : 'fr';
  const body = html`<h1>${t.title}</h1>
<p>${t.intro}</p>
<ul>
${options.mailbox ? html`<li><a href="/mailbox?lang=${lang}">${t.mailbox}</a></li>` : ''}
<li><a href="/healthz">${t.health}</a></li>
</ul>`;
  return renderPage({ lang, title: t.title, body, altLang: { href: `/?lang=${other}` } });
}
