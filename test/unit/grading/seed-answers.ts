/**
 * Answers shaped like the ones the seed report's regex graders got wrong (Phase 2.3):
 * a complete French 10-step plan scored 0 %, a correct interval answer missed, and a
 * 1500-token code review counted as "0 optimisations".
 */

/** Task 1: a 10-step todo-app plan in "**Étape N : …**" prose paragraphs, with technologies and durations. */
export const SEED_PLAN_FR = `<think>
L'utilisateur veut un plan en 10 étapes. Je vais structurer par étapes avec des durées.
</think>

Voici un plan détaillé pour développer une application de gestion de tâches (todo app) complète.

**Étape 1 : Analyse des besoins et cahier des charges**
Identifier les fonctionnalités essentielles : création, modification et suppression de tâches, priorités, échéances, partage entre utilisateurs. Rédiger les user stories avec l'équipe produit. Durée estimée : 3 jours.

**Étape 2 : Choix de l'architecture technique**
Nous retenons une architecture client-serveur : un front-end en React avec TypeScript, une API REST en Node.js (Express), et une base de données PostgreSQL. Durée estimée : 2 jours.

**Étape 3 : Conception de la base de données**
Modéliser les entités Utilisateur, Tâche, Liste et Étiquette ; écrire les migrations avec Prisma. Durée : 2 jours.

**Étape 4 : Mise en place de l'environnement de développement**
Dépôt Git, intégration continue avec GitHub Actions, conteneurs Docker pour l'API et la base, linting et formatage. Durée : 1 jour.

**Étape 5 : Développement de l'API back-end**
Implémenter les routes CRUD des tâches, l'authentification JWT et la validation des entrées. Durée estimée : 1 semaine.

**Étape 6 : Développement du front-end**
Créer les composants React (liste de tâches, formulaire, filtres), gérer l'état avec Redux Toolkit et appeler l'API. Durée : 1 semaine et demie.

**Étape 7 : Tests**
Tests unitaires avec Jest, tests d'intégration de l'API avec Supertest, tests de bout en bout avec Cypress. Durée : 4 jours.

**Étape 8 : Sécurité et performance**
Audit des dépendances, limitation du débit, mise en cache avec Redis, optimisation des requêtes SQL. Durée : 3 jours.

**Étape 9 : Déploiement**
Déployer l'API sur un service cloud (AWS ou Render) et le front-end sur Vercel, configurer le nom de domaine et HTTPS. Durée : 2 jours.

**Étape 10 : Maintenance et évolutions**
Surveillance avec Sentry, collecte des retours utilisateurs, planification des versions suivantes (notifications, mode hors ligne). Durée : en continu, avec une revue toutes les 2 semaines.

**Durée totale estimée : environ 6 semaines.**
`;

/** Task 2: the logic problem (C = 5, A = 2·C, B between C and A) answered correctly. */
export const SEED_LOGIC_FR = `Analysons les données du problème.

1. On sait que C = 5.
2. A est le double de C, donc A = 2 × C = 2 × 5 = 10.
3. B est plus grand que C et plus petit que A.

Vérification : A = 10 est bien le double de C = 5.

**Conclusion :** A = 10, et B est compris entre 5 et 10 (strictement), c'est-à-dire 5 < B < 10 ; B peut valoir par exemple 7.`;

/** The same answer in the seed's actual phrasing, without the symbolic restatement. */
export const SEED_LOGIC_FR_WORDS_ONLY = `D'après l'énoncé, C vaut 5. Comme A est le double de C, A vaut 10.
B étant plus grand que C et plus petit que A, B est compris entre 5 et 10 (strictement).`;

/** Task 3: a long code review with 5 optimisations and an improved Python block. */
export const SEED_REVIEW_FR = `## Analyse du code

Le code fourni fonctionne, mais il présente plusieurs problèmes de lisibilité et de performance. Voici les optimisations que je propose.

1. **Comparaison booléenne redondante** : \`if est_valide == True:\` s'écrit simplement \`if est_valide:\`.
   - Plus lisible, et conforme à la PEP 8.
   - Évite les surprises avec des valeurs « truthy ».

2. **Boucle d'accumulation remplaçable par une compréhension de liste** : la boucle \`for\` qui remplit \`resultats\` avec \`append\` peut devenir une list comprehension, plus rapide et plus concise.

3. **Chaîne de if/elif pour des correspondances** : la série de \`if code == "A": ... elif code == "B": ...\` est avantageusement remplacée par un dictionnaire (dict literal) de correspondance.
   - Recherche en O(1).
   - Ajouter une correspondance ne demande qu'une ligne.

4. **Utiliser \`filter\` ou une compréhension avec condition** plutôt que de filtrer à la main dans la boucle.

5. **Éviter les recalculs** : \`len(donnees)\` est appelé à chaque tour de boucle ; on peut itérer directement sur la liste avec \`enumerate\` si l'index est nécessaire.

## Code amélioré

\`\`\`python
LIBELLES = {"A": "Actif", "B": "Bloqué", "C": "Clôturé"}


def traiter(donnees, est_valide):
    if not est_valide:
        return []
    resultats = [d * 2 for d in donnees if d > 0]
    return [LIBELLES.get(str(r), "Inconnu") for r in resultats]
\`\`\`

## Conclusion

Ces cinq optimisations rendent le code plus court, plus lisible et plus rapide. La compréhension de liste et le dictionnaire de correspondance sont les gains les plus nets.
`;
