Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
}

Describe 'Import-MnistIdx' {
    It 'reads the <Set> set from the bundled folder' -ForEach @(
        @{ Set = 'Train'; Count = 60000; FirstLabel = 5 }
        @{ Set = 'Test'; Count = 10000; FirstLabel = 7 }
    ) {
        $dataset = Import-MnistIdx -Path $mnist -Set $Set -AsDataset

        $dataset.Count | Should -Be $Count
        $dataset.GetLabel(0) | Should -Be $FirstLabel
    }

    It 'takes a window of images with -Skip and -First' {
        $all = Import-MnistIdx -Path $mnist -Set Test -First 20
        $window = Import-MnistIdx -Path $mnist -Set Test -Skip 5 -First 10

        $window.Count | Should -Be 10
        $window.ImageId | Should -Be (6..15)
        $window.Label | Should -Be $all[5..14].Label
    }

    It 'reads named image and label files' {
        $samples = Import-MnistIdx -ImagePath (Join-Path $mnist 't10k-images-idx3-ubyte.gz') `
            -LabelPath (Join-Path $mnist 't10k-labels-idx1-ubyte.gz') -First 2

        $samples.Label | Should -Be 7, 2
    }

    It 'refuses a file that is not IDX with a terminating InvalidDataFile error' {
        $fake = Join-Path $TestDrive 'fake-images'
        Set-Content -Path $fake -Value 'label,pixel0'

        { Import-MnistIdx -ImagePath $fake -LabelPath (Join-Path $mnist 't10k-labels-idx1-ubyte.gz') } |
            Should -Throw -ErrorId 'InvalidDataFile,*' -ExpectedMessage '*fake-images*magic*'
    }

    It 'names both usual names of a file missing from the folder' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'only-test')
        Copy-Item (Join-Path $mnist 't10k-*') $folder

        { Import-MnistIdx -Path $folder -Set Train -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,*' `
            -ExpectedMessage ("The Train set is not complete in '*only-test': neither train-images-idx3-ubyte.gz " +
                'nor train-images-idx3-ubyte is there.')
    }

    It 'reports a missing folder as ObjectNotFound' {
        { Import-MnistIdx -Path (Join-Path $TestDrive 'nothing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileNotFound,*'
    }
}
