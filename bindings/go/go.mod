module clusterip

go 1.19
