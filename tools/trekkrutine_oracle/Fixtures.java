package no.skatteetaten.fastsetting.formueinntekt.forskudd.trekkrutine2026;
import java.io.*;
import java.security.MessageDigest;
import java.util.Random;
public class Fixtures {
    static String[] NAMES = {"month","14days","week","4days","3days","2days","1day"};
    public static void main(String[] a) throws Exception {
        PrintWriter edges = new PrintWriter(new FileWriter(a[0]));
        PrintWriter sample = new PrintWriter(new FileWriter(a[1]));
        edges.println("# table period brackets sha256 (of \"<basis> <withholding>\\n\" for each bracket's first and last krone, 0 .. table max + 2000)");
        sample.println("# table\tperiod\tbasis\twithholding");
        Random r = new Random(2026);
        for (Tabellnummer t : Tabellnummer.values()) {
            String num = t.name().substring(7);
            edges.println("surplus " + num + " " + Trekkrutine.finnOverskytendeProsentForTabell(t).toPlainString());
            for (Periode p : Periode.values()) {
                String pn = NAMES[p.ordinal()];
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                int k = 0;
                for (long g = 0; g <= p.maxTrekkgrunnlag + 2000; g += p.avrunding) {
                    for (long x : new long[]{g, g + p.avrunding - 1}) {
                        md.update((x + " " + Trekkrutine.beregnTabelltrekk(t, p, x) + "\n").getBytes("US-ASCII"));
                    }
                    k++;
                }
                StringBuilder sb = new StringBuilder();
                for (byte b : md.digest()) sb.append(String.format("%02x", b));
                edges.println(num + " " + pn + " " + k + " " + sb);
                for (int i = 0; i < 6; i++) {
                    long g = (long) (r.nextDouble() * (p.maxTrekkgrunnlag * 1.1));
                    sample.println(num + "\t" + pn + "\t" + g + "\t" + Trekkrutine.beregnTabelltrekk(t, p, g));
                }
            }
        }
        edges.close(); sample.close();
    }
}
