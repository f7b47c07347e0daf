"""Keyword cues for the task type and for high complexity, in the seven languages.

Each table maps a weight to "|"-separated entries: a word (`poem`), a stem ending in
`*` (`calcul*` matches calcule, calcular, calculate), or a phrase of several words
(`how much`). Entries are matched on lower-cased, accent-folded prose, so `ecris`
matches `écris`; write them without accents. Weights are in "points": the chat prior
is 1.0 and a task type needs more than chat to win. Written for this project.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

CODING: Final = MappingProxyType(
    {
        3.0: """python|javascript|typescript|golang|kotlin|php|sql|mysql|postgres|
postgresql|sqlite|mongodb|regex|regexp|git|github|gitlab|docker|dockerfile|kubernetes|
k8s|npm|pip|pandas|numpy|polars|vue js|vuejs|django|flask|fastapi|nextjs|next js|
node js|nodejs|express js|spring boot|html|css|json|yaml|bash|powershell|traceback|
stacktrace|stack trace|debug*|compil*|refactor*|refator*|microservi*|microsservi*|
websocket*|webhook*|asyncio|pytest|junit|phpunit|useeffect|usestate|flexbox|virtualenv|
venv|rabbitmq|kafka|graphql|jwt|oauth|cors|segfault|nullpointer*|api rest|rest api|
unit test*|tests unitaires|pruebas unitarias|test unitari|unit tests|integratietests|
integration tests|код|функци*|ошибк*|программ*|питон|funkcj*|blad|inner join|left join|
right join|outer join|programmeer*|programmier*|thread safe""",
        2.0: """java|rust|scala|perl|haskell|elixir|c sharp|api|apis|endpoint*|react|
angular|code|codigo|codice|bug|bugs|function|functions|fonction|fonctions|funcion|
funciones|funzione|funzioni|funktion|funktionen|functie|functies|funcao|script|scripts|
array|arrays|dict|dictionaries|recursion|recursive|recursi*|ricorsi*|rekursi*|algorit*|
database|databases|datenbank|base de donnees|base de datos|banco de dados|backend|
frontend|framework|frameworks|commit|commits|repository|repo|deploy*|async|await|
deadlock*|mutex|http|https|lambda|undefined|boolean|struct|enum|parser|parsen|hashmap|
hash map|lru|syntax*|sintaxis|sintassi|indentation|indent|div|component|componente|
komponente|query|queries|requete|abfrage|consulta sql|sql query|thread|threads|
multithread*|concurrency|producer consumer|linked list|binary tree|b baum|boucle|bucle|
ciclo for|schleife|for lus|for loop|while loop|integer|pointer|pointeur|install*|
instalar|installeer*|command line|cli|linux|ubuntu|macos|devops|ci cd|schema|merge|
pull request|typeerror|foutmelding|crashloopbackoff|vercel|heroku|aws|azure|gcp|error|
errors|erreur|errore|fehler|erro""",
        1.0: """null|index|test|tests|lint|type hints|runtime|memory leak|latency|
request|requests|header|headers|app|webapp|website|site web|sitio web|sito web|webseite|
component|interface|abstract|abstracte|abstrait|abstracta|astratta|abstrakte|implement|
implemente|implementa|implementeer|implementiere|implementar|implementer|plante|crash|
crashes|crashed|freeze|fout|falla|fallo|ruby|swift|dictionary|dictionnaire|diccionario|
dizionario|queue|cache|programma|programa|programm|programme|bibliotheque|biblioteca|
bibliothek|library|libraries|arvore|arbre|albero|arbol|heap|stack|variable|variables|
variabele|variabile|variavel|class|classe|clase|klasse|classes|method|methode|metodo|
methods|loop|loops|string|strings|package|paquete|pacote|paket|pakket|terminal|server|
serveur|servidor|shell|pipeline|branch|pod|container|exception|exceptions|excepcion""",
    }
)

MATH: Final = MappingProxyType(
    {
        3.0: """calculate|calculer|calcule|calcules|calculez|calcula|calcular|calcolare|
calcola|berechne|berechnen|berechnet|bereken|berekenen|solve|solving|resous|resoudre|
resolvez|resuelve|resolver la ecuacion|risolvi|risolvere|lose die|losen sie|los op|
resolva|equation*|ecuacion*|equazion*|gleichung*|vergelijking*|equacao|equacoes|prove|
proof|prouve|prouver|demontre*|demuestra|demostrar|demostracion|dimostra*|beweise|
beweisen|beweis|bewijs|bewijzen|demonstre|demonstrar|prove que|induction|recurrence|
induccion|induzione|induktion|vollstandiger induktion|inductie|inducao|theorem|theoreme|
teorema|integral|integrale|integrales|integrals|derivative|derivee|derivada|derivata|
ableitung|afgeleide|eigenvalue*|eigenvector*|autovalor*|valeurs propres|eigenwert*|
standard deviation|ecart type|desviacion|deviazione standard|standardabweichung|
standaardafwijking|desvio padrao|variance|varianza|varianz|variantie|variancia|
probability|probabilities|probabilite|probabilidad|probabilita|wahrscheinlichkeit|
probabilidade|irrational|irrationnel*|irracional|irrazionale|irrationaal|prime numbers|
nombres premiers|numeros primos|numeri primi|primzahl*|priemgetal*|square root|
racine carree|raiz cuadrada|radice quadrata|quadratwurzel|wortel|raiz quadrada|sqrt|
cagr|arithmetic|arithmetique|aritmetica|divisible|divisible par|divisible por|
divisibile|teilbar|deelbaar|divisivel|linear program*|show that|montre que|montrer que|
muestra que|demuestre que|dimostra che|mostra che|zeige dass|zeigen sie dass|
toon aan dat|mostre que|z test|t test|p value|valor p|p waarde|differential equation|
equation differentielle|ecuacion diferencial|equazione differenziale|
differentialgleichung|differentiaalvergelijking|сколько|умнож*|посчитай|вычисли|реши|
уравнени*|oblicz|rownanie|rakna|hur mycket|kolik|vypocitej|hesapla|kac|laske""",
        2.0: """percent|percentage|pourcentage|pour cent|porcentaje|por ciento|
percentuale|per cento|prozent|procent|porcentagem|por cento|average|median|moyenne|
mediane|promedio|media aritmetica|mediana|durchschnitt|durchschnittliche|gemiddelde|
gemiddeld|la media|media de|media di|statistic*|statisti*|estadistic*|estatistic*|
significant|significative|significativa|statistiquement|estadisticamente|
estatisticamente|signifikant|significant|regression|regression lineaire|regresion|
regressione|growth rate|taux de croissance|tasa de crecimiento|tasso di crescita|
wachstumsrate|groeipercentage|taxa de crescimento|revenue|revenues|chiffre d affaires|
ingresos|fatturato|umsatz|omzet|faturamento|receita|mrr|profit|margin|marge|margen|
margine|margem|forecast|forecasting|prevision|previsione|prognose|projecao|projection|
projeccion|fraction|fractions|fraccion|frazione|bruch|breuk|fracao|aire|oppervlakte|
flache|radius|rayon|radio de|raggio|raio|perimeter|perimetre|perimetro|umfang|omtrek|
triangle|triangulo|triangolo|dreieck|driehoek|angles|angulo|angulos|angolo|winkel|hoek|
circle|cercle|circulo|cerchio|kreis|cirkel|squared|cubed|au carre|al cuadrado|
al quadrato|kwadraat|ao quadrado|ao cubo|elevado|hoch drei|matrix|matrice|matriz|
logarithm*|logarithme|logaritmo|logarithmus|fahrenheit|celsius|odds|dadi|wurfel|
dobbelstenen|somme|suma|somma|summe|soma|extrem*|critical points|puntos criticos|
punti critici|points critiques|maximise|maximize|maximiser|maximizar|massimizzare|
maximieren|maximaliseren|minimise|minimize|minimiser|minimizar|minimizzare|minimieren|
minimaliseren|compound interest|interet compose|interes compuesto|interesse composto|
zinseszins|samengestelde rente|juros compostos|croissance|third|half|quarter|twice|
double|triple|tiers|moitie|quart|tercio|mitad|cuarto|terzo|meta|drittel|halfte|viertel|
derde|helft|kwart|terco|metade|crecimiento|crescita|wachstum|groei|crescimento|
quarter over quarter|month over month|year over year|conversions|conversion rate|km h|
km u|per hour|par heure|por hora|all ora|pro stunde|per uur|multiply|divide|divided|
divise|dividido|diviso|geteilt|gedeeld|multiplie|multiplicado|moltiplicato|elevado ao|
to the power""",
        1.0: """number|numbers|nombre|numero|numeros|zahl|zahlen|getal|getallen|total|
totale|totaal|cost|costs|cuesta|costa|kostet|kost|custa|cout|coute|price|prix|precio|
prezzo|preis|prijs|preco|discount|remise|descuento|sconto|rabatt|korting|desconto|
minutes|minutos|minuti|minuten|hours|heures|horas|ore|stunden|uur|liters|litres|litros|
litri|liter|kilos|euros|euro|dollars|reais|speed|vitesse|velocidad|velocita|
geschwindigkeit|snelheid|velocidade|ventes|ventas|vendite|verkopen|how much|how many|
how long|how far|combien|cuanto|cuanta|cuantos|cuantas|quanto|quanta|quanti|quante|
quantos|quantas|wie viel|wieviel|wie viele|wie weit|wie lange|hoeveel|hoe lang|hoe ver|
integers|square|carre|cuadrado|quadrato|quadrat|quadrado|vendas|sales|quarterly|
trimestral|trimestrale|mensuelles|monthly|convert|mean|area|volume|angle|sum|som|growth""",
    }
)

CREATIVE: Final = MappingProxyType(
    {
        3.0: """poem|poems|poeme|poemes|poema|poemas|gedicht|gedichte|gedichtje|poesia|
poesie|poesias|haiku|haikus|sonnet|soneto|sonetto|sonett|limerick|fable|fabel|favola|
fiaba|fabula|bedtime story|gutenachtgeschichte|verhaaltje|histoire courte|cuento|
cuentos|racconto|kurzgeschichte|short story|once upon a time|il etait une fois|
erase una vez|c era una volta|es war einmal|er was eens|era uma vez|lyrics|songtext|
liedtekst|liedje|liedjes|slogan|slogans|eslogan|tagline|taglines|caption|captions|
legende|legendes|pie de foto|pies de foto|didascalia|didascalie|bildunterschrift|
bildunterschriften|bijschrift|legenda|legendas|headline|headlines|newsletter|werbetext|
advertentietekst|texto publicitario|texte publicitaire|testo pubblicitario|
product description|description produit|fiche produit|descripcion de producto|
descricao de produto|descrizione|produktbeschreibung|productbeschrijving|sales pitch|
sales copy|ad copy|landing page|texte de vente|texto de ventas|texto de vendas|
testo di vendita|verkaufstext|verkooptekst|jingle|rap|reguetón|reggaeton|catchy|
accrocheur|accrocheuse|pegadizo|accattivante|eingangig|pakkende|pakkend|wervende|
wervend|chorus|refrain|estribillo|ritornello|стихотворение|стихотворения|стих|стихи|
рассказ|сказк*|песн*|слоган|wiersz|wierszyk|opowiadanie|piosenk*|dikt|dikten|digt|runo|
siir|hikaye|sarki|basen|bajk*|povidk*|basnick*""",
        2.0: """story|stories|histoire|historia|storia|geschichte|verhaal|historia|tale|
novel|roman|novela|romanzo|romance|chapter|chapitre|capitulo|capitolo|kapitel|hoofdstuk|
song|songs|chanson|chansons|cancion|canciones|canzone|canzoni|lied|lieder|cancao|musica|
paroles|verse|verses|versi|strophe|rhyme|rime|rima|reim|rijm|ads|an ad|ad copy|
facebook ad|advert|advertisement|advertising|publicite|anuncio|anuncios|annuncio|
annunci|werbung|advertentie|anuncio|promotional|promo|promotionnel|promotionnelle|
promocional|promozionale|promotion|promocion|promozione|actie|campaign|campagne|campana|
campagna|kampagne|campanha|marketing|copywriting|instagram|tiktok|facebook|linkedin|
tweet|tweets|hashtag|hashtags|publication|publicacion|beitrag|bericht|напиши|napisz|
skriv|yaz|kirjoita|napis|write|writes|ecris|ecrire|ecrivez|redige|rediger|escribe|
escribir|redacta|escreva|escreve|escrever|scrivi|scrivere|scrivimi|schreib|schreibe|
schreiben|verfasse|formuliere|schrijf|schrijven|compose|draft|invent|inventa|invente|
inventer|erfinde|verzin|bedenk|come up with|trouve moi|crie|creative|creatif|creative|
creativo|creativa|kreativ|creatief|criativo|criativa|witty|flirty|poetic|
thank you message|message pour remercier|mensaje bonito|messaggio per ringraziare|
announce|annoncer|anunciar|annunciare|ankundigen|aankondigen|listing|pitch|storytelling|
plot|in the style of|dans le style|en el estilo|nello stile|im stil|in de stijl|
no estilo|personnages|personajes|personaggi|twist|opening chapter|screenplay|monologue|
toast|speech""",
        1.0: """message|texte|texto|testo|text|tekst|followers|abonnes|seguidores|
follower|volgers|subscribers|fans|fas|description|descripcion|descricao|beschreibung|
beschrijving|sales|vente|ventes|venta|ventas|vendas|verkoop|email|e mail|mail|courriel|
correo|tone|tono|brand|marque|marca|marke|merk|words|mots|palabras|parole|worter|
woorden|palavras|post|posts|copy|cute|funny|mensagem|scene|characters|dialogue|dialogo|
letra""",
    }
)

CHAT: Final = MappingProxyType(
    {
        1.5: """advice|advise|conseil|conseils|conseille|consejo|consejos|consiglio|
consigli|ratschlag|tipps|advies|conselho|conselhos|dicas|tips|should i|dois je|deberia|
dovrei|sollte ich|moet ik|recommend|recommande|recommandes|recomiendas|recomienda|
consigliami|empfiehlst|empfehlen|aanraden|raad|recomenda|recomendas|love your|j adore|
me encanta|me encantan|adoro|ich liebe|ik hou|ik vind je|amo seus|amo seu|your videos|
your video|tes videos|ta video|tus videos|tus fotos|i tuoi video|deine videos|
dein video|je videos|seus videos|meet and greet|shoutout|huge fan|big fan|je te suis|
te sigo|ti seguo|ich folge|ik volg|te sigo""",
        1.0: """hi|hello|hey|heyy|hola|bonjour|bonsoir|salut|coucou|ciao|hallo|hoi|oi|
ola|buongiorno|buenas|goedemorgen|thanks|thank|merci|gracias|grazie|danke|obrigado|
obrigada|bedankt|dank|love|fan|fans|xoxo|miss you|tu me manques|te extrano|mi manchi|
vermisse|mis je|saudade|bisous|besos|baci|kusse|kusjes|beijos|abrazo|abbraccio|umarmung|
knuffel|abraco|why|pourquoi|por que|perche|warum|waarom|who|qui est|quien|chi|wer|
wie is|quem|when|quand|cuando|quando|wann|wanneer|where|ou est|donde|dove|wo ist|waar|
onde|tell me|dis moi|dime|dimmi|sag mir|vertel|me conta|capital|history of|meaning|
explain|explique|explica|spiega|erklare|erklar|leg uit|explique|how are you|
comment ca va|como estas|come stai|wie geht|hoe gaat|tudo bem|como vai""",
    }
)

HIGH: Final = MappingProxyType(
    {
        3.0: """prove|proof|demontre*|demuestra|demostrar|dimostra*|beweise|beweisen|
bewijs|bewijzen|demonstre|prove que|induction|recurrence|induccion|induzione|induktion|
inductie|inducao|differential equation|equation differentielle|ecuacion diferencial|
equazione differenziale|differentialgleichung|differentiaalvergelijking|
dynamic programming|programmation dynamique|programacion dinamica|
programmazione dinamica|dynamische programmierung|dynamisch programmeren|
programacao dinamica|linear program*|distributed|distribue|distribuido|distribuidas|
distribuite|distribuito|verteilt|verteilte|gedistribueerd|distribuidas|distribuidos|
thread safe|deadlock*|work stealing|from scratch|event sourcing|multi tenant|
eigenvalue*|eigenvector*|show that|montre que|montrer que|muestra que|demuestre que|
dimostra che|mostra che|zeige dass|zeigen sie dass|toon aan dat|mostre que""",
        2.0: """step by step|etape par etape|pas a pas|paso a paso|passo a passo|
passo dopo passo|schritt fur schritt|stap voor stap|optimi*|ottimizz*|optimier*|
optimaliseer*|otimiz*|maximise|maximize|maximiser|maximizar|massimizzare|maximieren|
maximaliseren|minimise|minimize|minimiser|minimizar|complexity|complexite|complejidad|
complessita|komplexitat|complexiteit|complexidade|architecture|architektur|arquitectura|
architettura|arquitetura|design|concevoir|conception|disena|disenar|progetta|entwirf|
entwerfen|ontwerp|projete|system design|scalable|scalability|concurrency|concurrent|
microservi*|microsservi*|dijkstra|kruskal|bellman*|manacher|knapsack|zaino|mochila|
rucksack|avl|b tree|b baum|red black|rouge noir|rojo negro|rosso nero|rot schwarz|lru|
union find|parser|thread pool|work queue|producer consumer|rate limiter|
integration by parts|par parties|por partes|per parti|partielle integration|forecast|
projection|prevision|previsione|prognose|projecao|regression|regresion|regressione|
significance|significant|significativ*|signifikant|z test|t test|p value|valor p|
critical points|puntos criticos|punti critici|extrem*|wendepunkt*|trade offs|tradeoffs|
compare|comparez|compara|confronta|vergleiche|vergelijk|analyse|analyze|analiza|
analizza|analysiere|analyseer|analise|in detail|detailed|en detail|detalladamente|
dettagliatamente|ausfuhrlich|uitgebreid|detalhadamente|three acts|trois actes|
tres actos|drei teilen|drie delen|twist ending|alternating timelines|
unreliable narrator|content calendar|drip sequence|a b test|a b testing|irrational|
irrationnel*|irracional|irrazionale|irrationaal|change of variable|
changement de variable|cambio de variable|cambio di variabile|substitution|sustitucion|
sostituzione|substitutie|substituicao|integral|integrale|integrales|integrals""",
        1.0: """algorit*|implement|implemente|implementa|implementeer|implementiere|
implementar|explain why|integral|integrale|derivative|derivada|derivata|ableitung|
afgeleide|matrix|tests|unit tests|integration tests|testes|authentication|
authentification|autenticacion|authentifizierung|retries|retentativas|reintentos|
monitoring|monitoramento|migrate|migrar|migration|downtime|transactions|transacoes|
transacciones|concurrent|refactor*|refator*|security|securite|seguridad|sicurezza|
sicherheit|beveiliging|seguranca|schema|dependency injection|row level security|
idempotent|audit|strategy|strategie|estrategia|strategia|consequences|consequences|
consecuencias|conseguenze|auswirkungen|gevolgen|consequencias|causes|causas|cause|
ursachen|oorzaken|advantages|avantages|ventajas|vantaggi|vorteile|voordelen|vantagens|
application|applicazione|aplicacion|aplicacao|anwendung|applicatie|server|servidor|
serveur|system|sistema|systeem|rest api|api rest|disadvantages|inconvenients|
desventajas|svantaggi|nachteile|nadelen|desvantagens|variants|variantes|varianten|
sequence|sequencia|sequenza""",
    }
)

ASKS: Final = MappingProxyType(
    {
        1.0: """calculate|calcule|calcula|calcola|berechne|bereken|compute|estimate|
estime|estima|stima|schatze|schat|forecast|project|projette|proyecta|predict|explain|
explique|explica|spiega|erklare|leg uit|compare|compara|confronta|vergleiche|vergelijk|
show|montre|muestra|mostra|zeige|toon|determine|determine|determina|bestimme|bepaal|
find|trouve|encuentra|trova|finde|vind|encontre|derive|discuss|discute|discutez|discuta|
diskutiere|bespreek|give|donne|dame|dammi|gib|geef|plan|write|ecris|escribe|scrivi|
schreibe|schrijf|escreva|implement|implemente|implementa|implementiere|implementeer|add|
ajoute|anade|aggiungi|fuge|voeg|adicione|handle|gere|maneja|gestisci|behandle|tell me|
dis moi|dime|dimmi|sag mir|vertel|diga|list|liste|lista|auflisten|project|forecast|
make a|fais|haz|fai|mach|maak|faca""",
    }
)
