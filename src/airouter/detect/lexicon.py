"""Hand-written evidence for language identification: frequent words and letters.

Each language lists its function words plus words that prompts and fan messages use
a lot. A word listed under several languages is split between them, so a list only
has to hold words that are common in its own language. The non-target languages
(Polish, Swedish, ...) are *distractors*: when one of them wins, the answer is "und".
Written for this project (Apache-2.0); no external word list was copied.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

WORDS: Final = MappingProxyType(
    {
        "en": """
the a an and or but of to in on at for with from by about as into over under after
before between through during without is are was were be been being am do does did
done have has had i you he she it we they me him her us them my your his its our their
this that these those what which who whom whose when where why how can could would
should will shall may might must not no yes please thanks thank hello dear there here
some any all each every more most very so just also too than then if because while
until though since again still even only really much many such own same other another
new good great best love like want need know think make made get got give tell explain
write help show find use say see look go going went come came take back time day way
people thing something anything everything nothing someone one two three first last
next well sure it' i' you' we' they' that' there' don' doesn' didn' isn' aren' can'
won' let' he' she' what' who' wish hope happy amazing awesome beautiful cute today
tomorrow tonight yesterday week friend friends family mom dad son daughter sister
brother kids car house home work job money question answer difference describe compare
calculate solve prove create generate list summarize translate convert build implement
design draft up out off down made keep feel guys just made literally wow again
number numbers world life year years old big small long little right left place part
case point fact group problem country company system program government school student
night morning evening hour minute water room book word example idea end city name
team reason girl boy guy food moment teacher become leave feel put mean begin seem turn
start run move live believe bring happen sit stand lose pay meet include continue set
learn change understand watch follow stop speak read allow add spend grow open walk
win offer remember consider appear buy wait send expect stay fall reach remain suggest
sell decide fine kind hand man land week know knows knew thought found told asked
""",
        "fr": """
le la les l' un une des du de d' au aux et ou mais donc ni car que qu' qui quoi dont où
ce cet cette ces c' ça cela ceci je j' tu il elle on nous vous ils elles me m' te t' se
s' lui leur leurs mon ma mes ton ta tes son sa ses notre nos votre vos ne n' pas plus
jamais rien très trop bien bon bonne beaucoup peu aussi encore déjà toujours avec sans
pour par dans sur sous entre vers chez depuis pendant avant après comme comment
pourquoi quand combien quel quelle quels quelles est sont était été être avoir ai as a
avons avez ont fait faire peux peut pouvez veux veut voudrais dois doit faut suis es
sommes êtes merci bonjour bonsoir salut coucou oui non si alors puis ici là voici voilà
tout tous toute toutes autre même chaque quelque quelques écris écrire rédige explique
donne dis aide trouve calcule moi toi nouveau nouvelle premier première jour année ans
fois chose mieux vraiment adore franchement trop quelqu' jusqu' lorsqu' puisqu' était
cher chère bisous génial propose raconte montre
nombre nombres monde vie temps homme femme enfant enfants maison travail jours nuit
soir matin heure minute eau chambre argent livre mot exemple idée fin ville pays
entreprise problème question famille histoire école élève ami amie amis père mère fils
fille frère sœur soeur chose choses gens façon moment aujourd' demain hier semaine mois
vrai faux petit petite grand grande vieux long beau belle dernier seul besoin envie
existe existent sais sait savoir connais pense crois trouve prends prend mettre met
voir vois voit vu dire dit parler parle aller vais va allons venir viens vient aime
aimes voulez donner regarder attendre commencer finir partir sortir lire écrit vivre
utiliser acheter payer sera serait avais avait peint marche
""",
        "es": """
el la los las lo un una unos unas de del al a y e o u ni pero sino que qué quien quién
quienes cual cuál cuales cuáles cuando cuándo donde dónde como cómo cuanto cuánto
cuánta cuántos cuántas porque por para con sin sobre entre hasta desde hacia según
durante es son está están estás estoy era fue ser estar soy eres somos hay ha han he
has hemos tiene tengo tienes tenemos hace hacer puedo puedes puede pueden quiero
quieres necesito me te se le les nos mi mis tu tus su sus nuestro nuestra yo tú él
ella ellos ellas usted ustedes muy mucho mucha muchos muchas más menos también tampoco
ya todavía aún siempre nunca bien mal bueno buena gracias hola buenos buenas días
noches sí no este esta estos estas ese esa eso esto aquí allí ahora hoy mañana ayer
cada otro otra todo toda todos todas algo nada alguien nadie año años vez veces cosa
escribe escribir explica explícame dame dime hazme ayúdame crea calcula resuelve
encanta eres amiga amigo guapa guapo tal cuéntame inventa redacta qué muchísimo
número números mundo vida tiempo hombre mujer niño niños casa trabajo día noche tarde
hora minuto agua dinero libro palabra ejemplo idea fin ciudad país empresa problema
pregunta familia historia escuela padre madre hijo hija hermano hermana gente persona
forma manera momento semana mes verdad pequeño grande nuevo nueva viejo largo bonito
mismo último solo existen existe sé sabe saber conozco pienso creo encuentro tomar
poner ver veo dice decir hablar ir voy vamos venir vengo gustar gusta quiere querer
dar mirar esperar empezar terminar salir leer vivir usar comprar pagar funciona
""",
        "de": """
der die das den dem des ein eine einen einem einer eines und oder aber denn sondern
weil dass ob wenn als wie wo was wer wen wem warum wieso weshalb wann welche welcher
welches ich du er sie es wir ihr mich dich sich mir dir uns euch ihm ihn ihnen mein
meine meinen meinem meiner dein deine deinen deinem sein seine seinen ihre unser
unsere nicht kein keine keinen nichts ja nein doch auch noch schon nur sehr mehr viel
viele wenig immer nie hier dort da jetzt heute morgen gestern mit ohne für von zu zum
zur bei nach aus auf an am im in über unter vor zwischen durch gegen um bis seit
während ist sind war waren bin bist habe hast hat haben hatte wird werden wurde kann
kannst können muss musst müssen soll sollte will willst möchte würde gibt mach mache
machen bitte danke hallo guten tag abend liebe lieber schön gut neue neuen neues alle
alles etwas jemand man mal also so wieviel schreib schreibe schreiben erkläre erklär
berechne gib hilf zeige zeig löse einfach wirklich eigentlich ganz gerade bald dann
mega dich dir euch eigene brauche ich's gibt's wie's zum
zahl zahlen welt leben zeit mann frau kind kinder haus arbeit tage nacht stunde
minute wasser zimmer geld buch wort beispiel idee ende stadt land firma problem frage
familie geschichte schule freund freundin vater mutter sohn tochter bruder schwester
sache leute menschen weise moment woche monat wahr klein groß neu alt lang gleich
andere letzte allein brauche gab weiß wissen kenne denke glaube finde nehmen stellen
sehen sagen sprechen gehen gehe kommen komme mag gefällt geben schauen warten anfangen
beginnen aufhören lesen benutzen kaufen bezahlen funktioniert hand war
""",
        "it": """
il lo la i gli le l' un uno una un' di del dello della dei degli delle d' a al allo
alla ai agli alle all' da dal dalla dai in nel nello nella nei nelle nell' con su sul
sulla sui per tra fra e ed o oppure ma però anche ancora già sempre mai non né che chi
cosa come dove quando perché quanto quanta quanti quante quale quali è sono sei siamo
siete era erano stato essere ho hai ha abbiamo avete hanno fa fare faccio fai posso
puoi può possiamo voglio vuoi vorrei devo deve io tu lui lei noi voi loro mi ti ci vi
si ne mio mia miei mie tuo tua tuoi tue suo sua suoi nostro nostra vostro questo
questa questi queste quello quella quelli molto molta molti molte poco più meno tanto
troppo bene male buono buona bello bella grazie ciao buongiorno buonasera salve sì no
qui qua lì là oggi domani ieri ogni tutto tutti tutta tutte altro altra qualcosa
niente nulla anno anni volta volte scrivi scrivimi spiega spiegami dammi dimmi
aiutami crea calcola risolvi fammi c' po' mille bacione quest' dell' nell' sull' dall'
raccontami inventa vedo ora
numero numeri mondo vita tempo uomo donna bambino bambini casa lavoro giorno giorni
notte sera mattina ora minuto acqua stanza soldi libro parola esempio idea fine città
paese azienda problema domanda famiglia storia scuola amico amica padre madre figlio
figlia fratello sorella gente persona modo momento settimana mese vero piccolo piccola
grande nuovo nuova vecchio lungo stesso ultimo solo bisogno esiste esistono so sa
sapere conosco penso credo trovo prendere mettere vedere vedi dire dice parlare andare
vado andiamo venire vengo piace amo dare guardare aspettare iniziare finire uscire
leggere vivere usare comprare pagare funziona
""",
        "pt": """
o a os as um uma uns umas de do da dos das no na nos nas ao aos à às em pelo pela
pelos pelas por para com sem sobre entre até desde e ou mas porém que quê quem qual
quais quando onde como quanto quanta quantos quantas porque é são está estão estou
era foi ser estar sou somos tem têm tenho temos ter há fazer faz faço posso pode podem
quero quer preciso eu tu você vocês ele ela eles elas nós me te se lhe nos meu minha
meus minhas teu tua seu sua seus suas nosso nossa muito muita muitos muitas mais
menos também já ainda sempre nunca bem mal bom boa obrigado obrigada olá oi dia noite
tarde sim não este esta isto esse essa isso aquele aquela aqui ali agora hoje amanhã
ontem cada outro outra tudo todo toda todos todas algo nada alguém ninguém ano anos
vez vezes coisa escreva escreve escrever explique explica dá dê faça crie calcule
resolva ajude pra pro tá né cê fofa fofo demais beijo conte umas
número números mundo vida tempo homem mulher criança crianças casa trabalho dias
noite manhã hora minuto água quarto dinheiro livro palavra exemplo ideia fim cidade
país empresa problema pergunta família história escola amigo amiga pai mãe filho filha
irmão irmã gente pessoa forma jeito momento semana mês verdade pequeno pequena grande
novo nova velho longo mesmo último sozinho existe existem sei sabe saber conheço penso
acho encontro pegar colocar ver vejo diz dizer falar ir vou vamos vir venho gosto gosta
amo dar olhar esperar começar terminar sair ler viver usar comprar pagar funciona
calcule reais
""",
        "nl": """
de het een en of maar want dus dat die dit deze wat wie waar wanneer waarom hoe welke
welk hoeveel ik je jij u hij zij ze we wij jullie me mij mijn jouw jou zijn haar ons
onze hun hen niet geen wel ook nog al alleen heel erg veel weinig meer altijd nooit
hier daar nu vandaag morgen gisteren met zonder voor van naar op aan in uit bij over
onder tussen door tegen om tot sinds tijdens is was waren ben bent heb hebt heeft
hebben had wordt worden werd kan kun kunt kunnen moet moeten wil wilt willen zou zal
zullen mag graag alsjeblieft alstublieft dank bedankt dankjewel hallo hoi goedemorgen
goedenavond ja nee alle alles iets iemand niets jaar keer ding schrijf schrijven leg
uit geef vertel help maak bereken bedenk verzin echt eigenlijk gewoon toch even nou
leuk mooi goed nieuwe kom er ooit
getal getallen wereld leven tijd man vrouw kind kinderen huis werk dag dagen nacht
avond uur minuut water kamer geld boek woord voorbeeld idee einde stad land bedrijf
probleem vraag familie verhaal school vriend vriendin vader moeder zoon dochter broer
zus mensen manier moment week maand waar klein groot nieuw oud lang zelfde laatste
alleen nodig bestaat bestaan weet weten ken denk geloof vind nemen zetten zien zeggen
zegt praten gaan ga komen hou houd geven kijken wachten beginnen stoppen lezen
gebruiken kopen betalen werkt hand
""",
        "pl": """
się jest że jak czy ale dla już jestem mam być był była są tylko może który która które
mnie jej ich bardzo kiedy gdzie dlaczego ile napisz wiersz proszę dziękuję cześć dzień
dobry masz nowy będzie czekam nie jaki
""",
        "cs": """
jsem jsi jsou byl že jak ale pro už mě tě moc velmi kde kdy proč kolik napiš prosím
děkuji ahoj dobrý máš líbí tvoje videa ve
""",
        "sk": """
som sú bol sa že ako ale pre už ma veľmi kde kedy prečo koľko napíš prosím ďakujem
ahoj dobrý deň čo
""",
        "sv": """
och att det som ett är jag hon inte på med för av till har hade var ska vill mycket
när hur vad varför skriv dikt tack hej älskar dina videor kommer hösten
""",
        "da": """
og det som jeg hun ikke på med af til har havde var skal vil meget når hvor hvordan
hvad hvorfor skriv digt tak hej
""",
        "nb": """
og det som jeg hun dere ikke på med av til har hadde var skal vil veldig når hvor
hvordan hva hvorfor skriv dikt takk hei
""",
        "fi": """
ja että kun mutta tai minä sinä hän mitä miten miksi missä kiitos hei moi kirjoita
runo olen olet oli ovat voitko
""",
        "tr": """
ve bir bu için ile gibi çok daha var yok ben sen biz siz onlar m\u0131 mu mü nas\u0131l neden
zaman nerede merhaba teşekkürler lütfen yaz şiir seviyorum
""",
        "ro": """
și în cu pe pentru nu sunt că cum fost foarte mulțumesc scrie poezie bună
""",
        "hu": """
az és hogy nem egy meg csak már még mint ez én ő ők hol mikor miért hogyan köszönöm
szia kérlek írj verset
""",
        "ca": """
els amb què perquè és són està estic tinc molt més també però això aquest aquesta
gràcies escriu fins
""",
        "id": """
yang dan ke dari ini itu untuk dengan tidak ada saya kamu kami kita mereka apa
bagaimana kenapa mengapa kapan terima kasih tolong tulis puisi
""",
        "hr": """
što kako ali bio ili hvala molim napiši pjesmu bok
""",
    }
)

LETTERS: Final = MappingProxyType(
    {
        "ñ": "es",
        "¿": "es",
        "¡": "es",
        "ã": "pt",
        "õ": "pt",
        "ç": "fr pt ca tr",
        "ß": "de",
        "ä": "de sv fi",
        "ö": "de sv fi tr hu",
        "ü": "de tr hu",
        "è": "fr it ca",
        "ê": "fr pt",
        "â": "fr pt ro",
        "î": "fr ro",
        "ô": "fr pt sk",
        "û": "fr",
        "œ": "fr",
        "ë": "nl fr",
        "ï": "fr nl ca",
        "ò": "it ca",
        "ì": "it",
        "ù": "it fr",
        "à": "fr it pt ca",
        "ł": "pl",
        "ą": "pl",
        "ę": "pl",
        "ś": "pl",
        "ź": "pl",
        "ż": "pl",
        "ń": "pl",
        "ć": "pl hr",
        "ř": "cs",
        "ě": "cs",
        "ů": "cs",
        "č": "cs sk hr",
        "š": "cs sk hr",
        "ž": "cs sk hr",
        "ľ": "sk",
        "\u0131": "tr",
        "ğ": "tr",
        "ş": "tr ro",
        "ă": "ro",
        "ș": "ro",
        "ț": "ro",
        "ő": "hu",
        "ű": "hu",
        "å": "sv da nb",
        "ø": "da nb",
        "æ": "da nb",
        "đ": "hr",
    }
)

SCRIPTS: Final = (
    # (name, character class, the ISO 639-1 codes written in that script)
    ("kana", "\u3040-\u30ff", "ja"),
    ("hangul", "\uac00-\ud7af\u1100-\u11ff", "ko"),
    ("han", "\u4e00-\u9fff", "zh ja"),
    ("cyrillic", "\u0400-\u04ff", "ru uk bg sr mk be kk mn"),
    ("greek", "\u0370-\u03ff", "el"),
    ("hebrew", "\u0590-\u05ff", "he"),
    ("arabic", "\u0600-\u06ff", "ar fa ur"),
    ("devanagari", "\u0900-\u097f", "hi mr ne"),
    ("thai", "\u0e00-\u0e7f", "th"),
)
"""Non-Latin scripts, checked in this order (kana before han: Japanese mixes both)."""
